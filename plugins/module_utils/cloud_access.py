# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Cloud API paths of one resource family: role grants, person users by email, JWT issuers, invoices (issue 12).

:class:`AccessApi` is a mixin of :class:`cloud.CloudClient` (which owns every Cloud API path through its
mixins): its methods use the client's verbs (``self._get``, ``self._post``, ``self._patch``,
``self._put``, ``self._delete``, ``self._paginate``) and never touch ``AnsibleModule``.  Pure
decision functions of the family live here too.  This file never imports ``cloud.py`` (which
imports it).
"""


class AccessApi(object):
    """Methods of :class:`cloud.CloudClient` for this family."""
