"""A reference point, not a product: the simplest durable copy loop in Python.

For every folder: EXAMINE, UID SEARCH ALL, then UID FETCH BODY.PEEK[] in batches of 200 and
write each message to ``tmp/``, fsync it, and rename it into ``cur/`` of a Maildir (one
directory fsync per batch). No verification, no catalog, no size checks, no bounded memory.
It shows how fast a plain single-connection Python client can go on this machine, so that the
archiver's overhead on top of it can be told apart from the network and the disk.

imapclient (4.x) sets imaplib's ``debug`` to 5 and sends imaplib's debug lines to a logger;
imaplib then builds the ``repr()`` of every response, message bodies included, before the
logger drops the line. That costs about a quarter of this loop's time, so the loop turns it
off (a private attribute: acceptable for a reference point, to be weighed for the product).

Started by :mod:`benchmarks.archive_benchmark` as
``python -m benchmarks._bare_loop CONFIG.json RESULT.json`` (the archive child's CONFIG).
"""

from __future__ import annotations

import json
import os
import ssl
import sys
from pathlib import Path
from typing import Any

from imapclient import IMAPClient

BATCH = 200


def copy_all(config: dict[str, Any]) -> int:
    """Copy every message of every non-empty folder (but Trash and Junk); return the count."""
    root = Path(config["archive_root"])
    context = ssl.create_default_context(cafile=config["cafile"])
    copied = 0
    with IMAPClient(config["host"], int(config["port"]), ssl_context=context) as client:
        client._imap.debug = 0  # see the module docstring
        client.login(config["user"], config["password"])
        for _, _, name in client.list_folders():
            folder = name.decode() if isinstance(name, bytes) else name
            if folder in ("Trash", "Junk"):
                continue
            client.select_folder(folder, readonly=True)
            uids = sorted(client.search("ALL"))
            directory = root / folder.replace("/", ".")
            for sub in ("tmp", "cur", "new"):
                (directory / sub).mkdir(parents=True, exist_ok=True)
            for start in range(0, len(uids), BATCH):
                data = client.fetch(uids[start : start + BATCH], ["BODY.PEEK[]"])
                for uid, item in data.items():
                    temp = directory / "tmp" / f"{uid}.bare"
                    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                    with os.fdopen(fd, "wb") as out:
                        out.write(item[b"BODY[]"])
                        out.flush()
                        os.fsync(out.fileno())
                    os.replace(temp, directory / "cur" / f"{uid}.bare:2,S")
                    copied += 1
                dir_fd = os.open(directory / "cur", os.O_RDONLY)
                try:
                    os.fsync(dir_fd)
                finally:
                    os.close(dir_fd)
    return copied


def main(argv: list[str]) -> int:
    """Read the config file named by argv[1], copy, and write the count to argv[2]."""
    config = json.loads(Path(argv[1]).read_text())
    copied = copy_all(config)
    Path(argv[2]).write_text(json.dumps({"archived": copied, "errors": 0}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
