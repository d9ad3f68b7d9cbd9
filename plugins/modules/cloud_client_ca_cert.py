#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: cloud_client_ca_cert
short_description: Client CA certificate of a CockroachDB Cloud cluster
version_added: 0.2.0
description:
  - Sets, replaces or removes the CA certificate that an ADVANCED cluster uses to verify SQL client
    certificates, through the Cloud API (C(/api/v1/clusters/{id}/client-ca-cert)).
  - Certificates are compared by content (the DER bytes of each certificate, in order), so line lengths,
    line endings and surrounding whitespace make no difference.
  - A change runs a job on the cluster; it is C(PENDING) and the cluster is locked until it ends. With
    O(wait=true) the module waits for the job (as the Terraform provider does) and fails if it ends
    C(FAILED). A certificate whose last change C(FAILED) is sent again.
  - Only ADVANCED clusters take a client CA certificate; the module says so before any write for other plans.
  - The certificate is public material; a private key in O(x509_pem_cert) is refused before anything is sent
    and never shown.
options:
  x509_pem_cert:
    description:
      - One or more X.509 certificates in PEM format (a CA bundle), and nothing else.
      - Required with O(state=present).
    type: str
  state:
    description:
      - V(present) sets or replaces the certificate, V(absent) removes it.
      - With V(absent), a cluster that no longer exists is fine (the task succeeds unchanged).
    type: str
    choices: [present, absent]
    default: present
  wait:
    description:
      - Wait until the change is applied (the status leaves C(PENDING)), at most O(wait_timeout) seconds.
      - With V(false) the module returns as soon as the API accepted the change (status C(PENDING)); the
        cluster stays locked until the job ends.
    type: bool
    default: true
extends_documentation_fragment:
  - cockroachdb.cockroachdb.cloud_child
  - cockroachdb.cockroachdb.cloud
  - cockroachdb.cockroachdb.attributes
  - cockroachdb.cockroachdb.attributes.CLOUD_GROUP
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details:
      - The diff shows the status and the SHA-256 fingerprints of the certificates, not the PEM text.
author:
  - Contributors to the cockroachdb.cockroachdb collection (@cockroachdb)
"""

EXAMPLES = r"""
- name: Clients authenticate with certificates signed by our CA
  cockroachdb.cockroachdb.cloud_client_ca_cert:
    api_key: "{{ cockroach_api_key }}"
    cluster: prod
    x509_pem_cert: "{{ lookup('ansible.builtin.file', 'client-ca.crt') }}"

- name: Remove the client CA certificate
  cockroachdb.cockroachdb.cloud_client_ca_cert:
    api_key: "{{ cockroach_api_key }}"
    cluster: prod
    state: absent
"""

RETURN = r"""
client_ca_cert:
  description: The certificate information after the run (predicted in check mode).
  returned: always
  type: dict
  contains:
    status:
      description: V(NOT_SET), V(PENDING) (a change is running), V(IS_SET) or V(FAILED).
      type: str
      sample: IS_SET
    x509_pem_cert:
      description: The certificate in effect (or being applied), as the API shows it; V(null) when none.
      type: str
      sample: "-----BEGIN CERTIFICATE-----\nMIIB...\n-----END CERTIFICATE-----\n"
    fingerprints:
      description: SHA-256 fingerprints (hex) of the certificates, in order.
      type: list
      elements: str
      sample: ["5f1d...e3"]
cluster_id:
  description: Id of the cluster; V(null) when O(state=absent) found no cluster.
  returned: always
  type: str
  sample: 6baa9455-e3e7-4682-8209-4cac629f6fbe
"""

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.module_base import CloudModule
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_children import (
    CHILD_ARGSPEC,
    ClusterTarget,
    child_option_errors,
)
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_maintenance import (
    MaintenanceApi,
    fingerprints,
    pem_certificates,
    same_certificates,
)
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.ensure import ensure


HIDDEN = "(not shown: the value holds private key material)"


def ca_view(info):
    """The API's ClientCACertInfo as the module returns it."""
    info = info or {}
    pem = info.get("x509_pem_cert") or None
    return {"status": info.get("status") or "NOT_SET", "x509_pem_cert": pem, "fingerprints": fingerprints(pem)}


def ca_changes(current, desired_pem):
    """``{"x509_pem_cert"}`` when the certificate in effect differs or its last change failed; ``{}`` otherwise."""
    if current["status"] == "FAILED" or not same_certificates(current["x509_pem_cert"], desired_pem):
        return {"x509_pem_cert": desired_pem}
    return {}


def diff_view(view):
    return {"status": view["status"], "fingerprints": view["fingerprints"]}


def validate(params):
    errors = child_option_errors(params)
    if params.get("state") == "present":
        if not params.get("x509_pem_cert"):
            errors.append("x509_pem_cert is required with state=present")
        else:
            try:
                pem_certificates(params["x509_pem_cert"])
            except ValueError as exc:
                errors.append(str(exc))
                if "PRIVATE" in params["x509_pem_cert"].upper():
                    # key material must not come back in the failure's invocation either
                    params["x509_pem_cert"] = HIDDEN
    return errors


def run(m):
    params = m.params
    client = m.client
    target = ClusterTarget(client, params["cluster"], params["wait_timeout"], missing_ok=params["state"] == "absent")
    if target.gone:
        return {"changed": False, "client_ca_cert": None, "cluster_id": None, "diff": {"before": {}, "after": {}}}
    deadline = client.deadline(params["wait_timeout"])
    info = ca_view(client.get_client_ca_cert(target.id))
    if info["status"] == "PENDING":
        # another change is running: decide on its outcome (reads only)
        info = ca_view(client.wait_client_ca_cert(target.id, deadline))
    pem = params.get("x509_pem_cert")
    has_cert = info["x509_pem_cert"] is not None
    current = info if (has_cert or params["state"] == "present") else None
    wanted = ca_changes(info, pem) if params["state"] == "present" else None
    if wanted or (params["state"] == "absent" and has_cert):
        plan = target.cluster.get("plan")
        if plan and plan != "ADVANCED":
            raise ValueError("client CA certificates are supported for ADVANCED clusters only; cluster %s is %s"
                             % (target.name, plan))

    def settle(answer, expected):
        """After a write: wait for the job (wait=true) and fail when it failed."""
        if not params["wait"]:
            got = ca_view(answer) if answer else dict(expected, status="PENDING")
            return got
        final = ca_view(client.wait_client_ca_cert(target.id, deadline))
        if final["status"] == "FAILED":
            raise ValueError("the client CA certificate change failed on cluster %s (status FAILED); the previous "
                             "certificate stays in effect. Check the certificate and run the task again" % target.name)
        return final

    def write(ch):
        expected = ca_view({"status": "IS_SET", "x509_pem_cert": pem})
        if has_cert:
            answer = client.update_client_ca_cert(target.id, pem, deadline)
        else:
            answer = client.set_client_ca_cert(target.id, pem, deadline)
        return settle(answer, expected)

    deleted = []

    def delete():
        deleted.append(settle(client.delete_client_ca_cert(target.id, deadline), ca_view({"status": "NOT_SET"})))

    result = ensure(
        m, current, "present" if params["state"] == "present" else "absent", result_key="client_ca_cert",
        changes=lambda cur: wanted,
        create=lambda: write(None),
        update=write,
        delete=delete,
        predict=lambda cur, ch: ca_view({"status": "IS_SET" if params["wait"] else "PENDING", "x509_pem_cert": pem}),
        view=lambda v: v,
    )
    if params["state"] == "absent":
        if deleted:
            result["client_ca_cert"] = deleted[0]
        elif result["changed"]:  # check mode
            result["client_ca_cert"] = ca_view({"status": "NOT_SET" if params["wait"] else "PENDING",
                                                "x509_pem_cert": None if params["wait"] else info["x509_pem_cert"]})
        else:
            result["client_ca_cert"] = info
    result["diff"] = {"before": diff_view(info), "after": diff_view(result["client_ca_cert"])}
    result["cluster_id"] = target.id
    return result


def main():
    m = CloudModule(
        client_mixins=(MaintenanceApi,),
        argument_spec=dict(
            CHILD_ARGSPEC,
            x509_pem_cert=dict(type="str", no_log=False),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            wait=dict(type="bool", default=True),
        ),
        validate=validate,
    )
    m.run(run)


if __name__ == "__main__":
    main()
