# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


class ModuleDocFragment:
    # Options of the modules that manage something inside a Cloud cluster (module_utils/cloud_children.py).
    DOCUMENTATION = r"""
options:
  cluster:
    description:
      - Name or id of the cluster.
    type: str
    required: true
  wait_timeout:
    description:
      - Seconds to wait for the cluster to become C(CREATED) (or for a lock to clear) before failing.
    type: int
    default: 3600
"""
