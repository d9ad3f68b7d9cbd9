#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: cloud_invoices_info
short_description: Spend of a CockroachDB Cloud organization per cluster and billing period
version_added: 0.2.0
description:
  - Reads the organization's invoices (C(GET /api/v1/invoices), one request; or one invoice by O(invoice_id))
    and returns, for reporting, the spend of each billing period (a calendar month) per cluster, and each
    cluster's spend over the periods read.
  - Amounts are in O(currency); the invoices' own totals (adjustments and credits included) are kept in
    RV(invoices[].invoice_totals).
  - The service account needs C(BILLING_COORDINATOR) or C(CLUSTER_ADMIN) on the organization.
options:
  start_time:
    description:
      - Only billing periods that start at or after this time (RFC 3339, or V(YYYY-MM) for the start of a month).
      - The API's default is the organization's creation.
    type: str
  end_time:
    description:
      - Only billing periods that end at or before this time (RFC 3339, or V(YYYY-MM) for the start of that month).
      - The API's default is now.
    type: str
  status:
    description:
      - Only C(FINALIZED) invoices, or only the C(DRAFT) of the current period. Both when not set.
    type: str
    choices: [DRAFT, FINALIZED]
  clusters:
    description:
      - Only the spend of these clusters (names or ids); every cluster on the invoices when empty.
      - Names are matched as the invoices spell them, so a deleted cluster can be reported too.
    type: list
    elements: str
    default: []
  invoice_id:
    description:
      - Read this one invoice (C(GET /api/v1/invoices/{invoice_id})) instead of listing. Mutually exclusive with
        O(start_time), O(end_time) and O(status).
    type: str
  currency:
    description:
      - The currency whose amounts are added up.
    type: str
    choices: [USD, CRDB_CLOUD_CREDITS]
    default: USD
extends_documentation_fragment:
  - cockroachdb.cockroachdb.cloud
  - cockroachdb.cockroachdb.attributes
  - cockroachdb.cockroachdb.attributes.INFO_MODULE
  - cockroachdb.cockroachdb.attributes.CLOUD_GROUP
author:
  - Contributors to the cockroachdb.cockroachdb collection (@cockroachdb)
"""

EXAMPLES = r"""
- name: What did the payments clusters cost this year?
  cockroachdb.cockroachdb.cloud_invoices_info:
    api_key: "{{ cockroach_api_key }}"
    start_time: "2025-01"
    status: FINALIZED
    clusters: [payments-prod, payments-staging]
  register: crdb_spend

- name: Report
  ansible.builtin.debug:
    msg: "{{ item.cluster_name }}: {{ item.total }} USD over {{ item.invoices }} months"
  loop: "{{ crdb_spend.clusters }}"
"""

RETURN = r"""
invoices:
  description: The invoices read, oldest period first, with the spend of the selected clusters.
  returned: always
  type: list
  elements: dict
  contains:
    invoice_id:
      description: Id of the invoice.
      type: str
    period_start:
      description: Start of the billing period (inclusive).
      type: str
      sample: "2025-01-01T00:00:00Z"
    period_end:
      description: End of the billing period (exclusive).
      type: str
      sample: "2025-02-01T00:00:00Z"
    status:
      description: C(FINALIZED) or C(DRAFT).
      type: str
    total:
      description: Spend of the selected clusters in the period, in O(currency).
      type: float
      sample: 12.34
    invoice_totals:
      description: The invoice's own totals per currency, as the API returns them.
      type: list
      elements: dict
    clusters:
      description: Spend per selected cluster in the period.
      type: list
      elements: dict
      contains:
        cluster_id:
          description: Cluster id.
          type: str
        cluster_name:
          description: Cluster name.
          type: str
        plan:
          description: The cluster's plan.
          type: str
        total:
          description: Spend in O(currency).
          type: float
        line_items:
          description: The invoice's line items of the cluster (description, quantity, quantity_unit, unit_cost, total).
          type: list
          elements: dict
clusters:
  description: Each selected cluster's spend over the invoices read, most expensive first.
  returned: always
  type: list
  elements: dict
  contains:
    cluster_id:
      description: Cluster id.
      type: str
    cluster_name:
      description: Cluster name.
      type: str
    total:
      description: Spend in O(currency).
      type: float
    invoices:
      description: How many of the invoices read bill the cluster.
      type: int
total:
  description: Spend of the selected clusters over every invoice read, in O(currency).
  returned: always
  type: float
  sample: 123.45
currency:
  description: The currency of RV(total) and of every C(total).
  returned: always
  type: str
  sample: USD
"""

import re

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.module_base import CloudModule
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud import is_uuid
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_access import AccessApi, invoice_spend

RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$")
MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def timestamp(value):
    """RFC 3339 as given, or ``YYYY-MM`` -> the first instant of that month (UTC); None when neither."""
    text = (value or "").strip()
    if RFC3339.match(text):
        return text
    m = MONTH.match(text)
    if m:
        return "%s-%s-01T00:00:00Z" % m.groups()
    return None


def validate(params):
    errors = []
    for option in ("start_time", "end_time"):
        if params.get(option) is not None and timestamp(params[option]) is None:
            errors.append("%s must be an RFC 3339 time (2025-01-01T00:00:00Z) or a month (2025-01), got %r"
                          % (option, params[option]))
    if params.get("invoice_id") is not None and not params["invoice_id"].strip():
        errors.append("invoice_id must not be empty")
    if any(not (c or "").strip() for c in params.get("clusters") or []):
        errors.append("clusters must not contain an empty name")
    return errors


def run(m):
    p = m.params
    client = m.client
    if p.get("invoice_id"):
        invoices = [client.get_invoice(p["invoice_id"].strip())]
    else:
        invoices = client.list_invoices(status=p.get("status"), start_time=timestamp(p.get("start_time")),
                                        end_time=timestamp(p.get("end_time")))
    refs = [c.strip() for c in p["clusters"]]
    ids = [c for c in refs if is_uuid(c)]
    names = [c for c in refs if not is_uuid(c)]
    spend = invoice_spend(sorted(invoices, key=lambda i: i.get("period_start") or ""),
                          cluster_ids=ids or None, cluster_names=names or None, currency=p["currency"])
    return dict(changed=False, **spend)


def main():
    m = CloudModule(
        client_mixins=(AccessApi,),
        argument_spec=dict(
            start_time=dict(type="str"),
            end_time=dict(type="str"),
            status=dict(type="str", choices=["DRAFT", "FINALIZED"]),
            clusters=dict(type="list", elements="str", default=[]),
            invoice_id=dict(type="str"),
            currency=dict(type="str", choices=["USD", "CRDB_CLOUD_CREDITS"], default="USD"),
        ),
        mutually_exclusive=[["invoice_id", "start_time"], ["invoice_id", "end_time"], ["invoice_id", "status"]],
        validate=validate,
    )
    m.run(run)


if __name__ == "__main__":
    main()
