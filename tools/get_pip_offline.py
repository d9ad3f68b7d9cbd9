#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Stand-in for ansible-test's downloaded get-pip script (its host is unreachable here).

``make`` saves this file as ``~/.ansible/test/cache/get_pip_<X_Y>.py`` next to the pip
wheel it fetched from the package index; ansible-test runs it inside each fresh
virtual environment with pip-install arguments. It runs pip straight from that wheel.
"""

import glob
import os
import sys

GET_PIP_ONLY_FLAGS = ("--no-setuptools", "--no-wheel")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    # get_pip_25_2.py runs pip 25.2: each ansible-core release asks for its own pip version.
    name = os.path.basename(__file__)
    version = name[len("get_pip_"):-len(".py")].replace("_", ".") if name.startswith("get_pip_") else "*"
    wheels = sorted(glob.glob(os.path.join(here, "pip-%s-*.whl" % version)))
    if not wheels:
        sys.stderr.write("no pip-%s wheel next to %s; run `make test STEPS=bootstrap`\n" % (version, __file__))
        return 1
    sys.path.insert(0, wheels[-1])
    from pip._internal.cli.main import main as pip_main  # pylint: disable=import-outside-toplevel

    args = [a for a in sys.argv[1:] if a not in GET_PIP_ONLY_FLAGS]
    return pip_main(["install", "--no-cache-dir"] + args)


if __name__ == "__main__":
    sys.exit(main())
