from pathlib import Path

from django.conf import settings

from workflow.management.commands.state_diagram import END, START, mermaid, replace_block


def test_readme_carries_the_diagram_generated_from_the_code():
    readme = (Path(settings.BASE_DIR) / "README.md").read_text()
    committed = readme.split(START, 1)[1].split(END, 1)[0].strip()
    assert committed == mermaid(), "run `make diagram` and commit README.md"


def test_diagram_has_every_transition_of_the_workflow():
    lines = mermaid().splitlines()
    assert "    received --> assigned: assign (coordinator)" in lines
    assert "    responded --> assigned: dispute (citizen)" in lines
    assert len([line for line in lines if "-->" in line]) == 15


def test_replace_block_keeps_the_text_around_it():
    text = f"intro\n{START}\nold\n{END}\noutro"
    assert replace_block(text, "new") == f"intro\n{START}\nnew\n{END}\noutro"
