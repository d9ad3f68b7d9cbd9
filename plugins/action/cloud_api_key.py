# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Runs the cloud_api_key module and marks its result no_log when it carries the secret of a new key.

The registered variable still holds the secret; only what callbacks print (at any verbosity) is censored.
"""

from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):

    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        result.update(self._execute_module(module_name=self._task.resolved_action or "cockroachdb.cockroachdb.cloud_api_key",
                                           module_args=self._task.args, task_vars=task_vars))
        if result.get("secret"):
            result["_ansible_no_log"] = True
        return result
