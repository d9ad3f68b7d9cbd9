"""Two self-signed test CA certificates (public material only; their keys were thrown away), read from the one copy
every test tree uses: the cloud_maintenance integration target's files."""

import os

_FILES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration", "targets", "cloud_maintenance",
                      "files")


def _read(name):
    with open(os.path.join(_FILES, name), encoding="ascii") as handle:
        return handle.read()


CA_ONE = _read("ca_one.pem")
CA_TWO = _read("ca_two.pem")
