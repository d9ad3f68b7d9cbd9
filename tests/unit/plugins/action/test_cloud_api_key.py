# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The cloud_api_key action plugin marks a result that carries a new key's secret as no_log (controller code:
ansible-test runs it apart from the module tests, which may import module_utils only)."""

from ansible.plugins.action import ActionBase

from ansible_collections.cockroachdb.cockroachdb.plugins.action import cloud_api_key as action


def test_action_plugin_hides_results_with_a_secret(monkeypatch):
    class Task:
        resolved_action = "cockroachdb.cockroachdb.cloud_api_key"
        args = {}

    monkeypatch.setattr(ActionBase, "run", lambda self, tmp=None, task_vars=None: {})
    act = action.ActionModule.__new__(action.ActionModule)
    act._task = Task()
    for answer, hidden in (({"changed": True, "secret": "CCDB1_x_y"}, True), ({"changed": False, "secret": None}, False)):
        act._execute_module = lambda answer=answer, **kw: dict(answer)
        res = act.run(task_vars={})
        assert bool(res.get("_ansible_no_log")) == hidden and res["secret"] == answer["secret"]
