"""Print the complaint state diagram (Mermaid), generated from the django-fsm transitions,
or rewrite the copy committed in README.md with --write."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from complaints.models import Complaint
from workflow.permissions import ACTION_ROLES

START, END = "<!-- state-diagram:start -->", "<!-- state-diagram:end -->"


def mermaid() -> str:
    lines = ["```mermaid", "stateDiagram-v2", "    [*] --> received: submit"]
    for t in sorted(Complaint().get_all_state_transitions(), key=lambda t: (t.source, t.name)):
        roles = ", ".join(r.value for r in ACTION_ROLES[t.name])
        lines.append(f"    {t.source} --> {t.target}: {t.name} ({roles})")
    lines += ["    closed --> [*]", "```"]
    return "\n".join(lines)


def replace_block(text: str, block: str) -> str:
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    return f"{head}{START}\n{block}\n{END}{tail}"


class Command(BaseCommand):
    help = "Print the complaint state diagram generated from the workflow's transitions."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--write", action="store_true", help="update README.md in place")

    def handle(self, *args: Any, write: bool, **options: Any) -> None:
        if not write:
            self.stdout.write(mermaid())
            return
        readme = Path(settings.BASE_DIR) / "README.md"
        readme.write_text(replace_block(readme.read_text(), mermaid()))
        self.stdout.write(f"Updated {readme}")
