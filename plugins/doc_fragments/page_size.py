# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


class ModuleDocFragment:
    # The page_size option of the Cluster API modules that read a paginated list with the usual page of 500
    # (argspec: module_base.page_size_option(500), checked by module_base.validate_page_size). A module with
    # another default (cluster_nodes_info 200, hot_ranges_info 1000) documents its own page_size, which
    # replaces this one wholesale: a fragment cannot carry a per-module default.
    DOCUMENTATION = r"""
options:
  page_size:
    description:
      - Items (rows, names, sessions, ranges) asked for per request. The module reads every page
        it needs; a smaller page only means more requests.
      - Must be 1 or more.
    type: int
    default: 500
"""
