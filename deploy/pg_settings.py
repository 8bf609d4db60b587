"""The PostgreSQL settings docs/deploy.md asks for, scaled to this machine's memory.

`python -m deploy.pg_settings` prints them as pg_virtualenv's options (`-o` and `name=value`,
one per line), for the clusters of `make serve-prod` and `make bench`, so both run
PostgreSQL as an installation is told to (docs/performance.md, finding 53).
"""

from __future__ import annotations

import os
import sys

MB = 2**20
# A province's hot part (open complaints, their clocks, the indexes) fits in a few GB.
SHARED_BUFFERS_MOST = 4096 * MB
# Enough that a common word's matches stay an exact bitmap (finding 53); a sort or hash may
# take this much in each statement of each connection at once.
WORK_MEM = "16MB"


def settings(memory: int) -> dict[str, str]:
    """The settings for a machine with `memory` bytes: a quarter of it (at most 4 GB) as
    shared buffers, half as the cache the planner assumes."""
    return {
        "shared_buffers": f"{min(memory // 4, SHARED_BUFFERS_MOST) // MB}MB",
        "effective_cache_size": f"{memory // 2 // MB}MB",
        "work_mem": WORK_MEM,
        "jit": "off",
    }


def machine_memory() -> int:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def main() -> None:
    for name, value in settings(machine_memory()).items():
        sys.stdout.write(f"-o\n{name}={value}\n")


if __name__ == "__main__":
    main()
