"""What the benchmarks share (not a benchmark itself: ``make bench`` runs ``bench/[!_]*.py``)."""

import os
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def collection_root(prefix="bench-"):
    """A new directory holding ansible_collections/cockroachdb/cockroachdb -> this checkout."""
    root = tempfile.mkdtemp(prefix=prefix)
    ns = os.path.join(root, "ansible_collections", "cockroachdb")
    os.makedirs(ns)
    os.symlink(REPO, os.path.join(ns, "cockroachdb"))
    return root
