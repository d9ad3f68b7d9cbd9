# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


class ModuleDocFragment:
    # Common attributes of every module.
    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
"""

    # Modules that only read.
    INFO_MODULE = r"""
options: {}
attributes:
  check_mode:
    support: full
    details:
      - This action does not modify state.
  diff_mode:
    support: N/A
    details:
      - This action does not modify state.
"""

    CLOUD_GROUP = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/cockroachdb.cockroachdb.cloud) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - cockroachdb.cockroachdb.cloud
"""

    CLUSTER_GROUP = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/cockroachdb.cockroachdb.cluster) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - cockroachdb.cockroachdb.cluster
"""
