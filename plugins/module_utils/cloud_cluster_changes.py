# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The changes of ``cloud_cluster`` and ``cloud_spend_limit``: pure desired-vs-current decisions.

Nothing here does I/O: every function takes the module's parameters and the cluster as the
API returned it (plain dicts) and returns option errors, the create body, the changes (the
PATCH bodies that bring a cluster to the options: :func:`cluster_changes`), the predicted
cluster of check mode, or the limits to set. Every refusal is a ``ValueError`` whose message
starts with the option to fix. (``plan`` always means BASIC, STANDARD or ADVANCED here.)
"""

import copy
import re

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.ensure import deep_merge, values_equal

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{4,18}[a-z0-9]$")
MAJOR_RE = re.compile(r"^v?\d+\.\d+$")
LIMIT_KEYS = ("request_unit_limit", "storage_mib_limit", "provisioned_virtual_cpus")
SERVERLESS_OPTIONS = ("regions", "primary_region", "upgrade_type", "usage_limits", "with_empty_ip_allowlist")
DEDICATED_OPTIONS = ("region_nodes", "hardware", "network_visibility", "cidr_range")

# The API version whose body shapes cloud_cluster speaks (plans BASIC/STANDARD/ADVANCED, usage_limits with
# provisioned_virtual_cpus, labels, delete_protection...). Older versions named the plans SERVERLESS/DEDICATED
# and had no such fields, so cloud_cluster refuses them rather than send bodies they would not understand.
CLUSTER_API_VERSION = "2024-09-16"

# AWS disk IOPS: the API may provision a value other than the one requested (it rounds, and keeps at least
# its minimum). A current value within one step of the request, or the minimum when less was asked for, is
# taken as the server's answer to that request, not as a difference.
IOPS_STEP = 1000
AWS_MIN_IOPS = 3000

_AWS_SIZE_RE = re.compile(r"\.(\d*)xlarge$")
_GCP_SIZE_RE = re.compile(r"-(\d+)$")
_AZURE_SIZE_RE = re.compile(r"^Standard_[A-Za-z]+(\d+)")

# cents -> limits, as the reference (section 7.10) describes: 80 % of the budget to request
# units at 5,000,000 RU per dollar, 20 % to storage at 2 GiB-month per dollar.
RU_PER_DOLLAR = 5000000
MIB_PER_DOLLAR = 2048


# -- helpers ---------------------------------------------------------------------------------------
def plan_family(plan):
    if plan is None:
        return None
    return "dedicated" if plan == "ADVANCED" else "serverless"


def normalize_major(version):
    """``24.2`` / ``v24.2`` -> ``v24.2``; full versions keep only the major."""
    if not version:
        return version
    text = str(version).strip()
    if not text.startswith("v"):
        text = "v" + text
    return ".".join(text.split(".")[:2])


def clean_limits(limits):
    """The given (non-None) usage limits as ints."""
    return {k: int(v) for k, v in (limits or {}).items() if v is not None}


def wire_limits(limits):
    """int64 fields travel as JSON strings."""
    return {k: str(int(v)) for k, v in sorted(limits.items())}


def current_limits(cluster):
    serverless = ((cluster or {}).get("config") or {}).get("serverless") or {}
    return clean_limits(serverless.get("usage_limits"))


def current_primary(cluster):
    for region in cluster.get("regions") or []:
        if region.get("primary"):
            return region.get("name")
    regions = cluster.get("regions") or []
    return regions[0].get("name") if len(regions) == 1 else None


def region_names(cluster):
    return sorted(r.get("name") for r in cluster.get("regions") or [])


def region_nodes_of(cluster):
    return {r.get("name"): r.get("node_count") for r in cluster.get("regions") or []}


def dedicated_config(cluster):
    return ((cluster or {}).get("config") or {}).get("dedicated") or {}


def machine_type_vcpus(provider, machine_type):
    """vCPUs of a machine type, read from its name (None when the name does not say).

    GCP ``<family>-<class>-<N>`` (n2-standard-4: 4); AWS ``<family>.large`` (2), ``.xlarge`` (4),
    ``.<N>xlarge`` (4 x N); Azure ``Standard_<letters><N>...`` (Standard_D4s_v5: 4).
    """
    name = str(machine_type or "")
    match = None
    if provider == "AWS":
        if name.endswith(".large"):
            return 2
        match = _AWS_SIZE_RE.search(name)
        return 4 * int(match.group(1) or 1) if match else None
    if provider == "AZURE":
        match = _AZURE_SIZE_RE.match(name)
    elif provider == "GCP":
        match = _GCP_SIZE_RE.search(name)
    return int(match.group(1)) if match else None


def machine_type_differs(cluster, machine_type):
    """Whether asking for ``machine_type`` is a change for this cluster.

    The API may provision an equivalent type with the same vCPU count (n2-standard-4 as n2d-standard-4,
    m6i.xlarge as m5.xlarge), so the same name is never a change, and another name is one only when its
    vCPU count (read from the name, see :func:`machine_type_vcpus`) differs from the ``num_virtual_cpus``
    the API reports. A name that does not tell its vCPU count is compared as a string.
    """
    cur = dedicated_config(cluster)
    if machine_type == cur.get("machine_type"):
        return False
    vcpus = machine_type_vcpus(cluster.get("cloud_provider"), machine_type)
    if vcpus is None or cur.get("num_virtual_cpus") is None:
        return True
    return not values_equal(cur.get("num_virtual_cpus"), vcpus)


def disk_iops_differs(cluster, disk_iops):
    """Whether asking for ``disk_iops`` is a change for this cluster.

    Only AWS clusters take ``disk_iops`` (GCP and Azure ignore it, so it is never a change there). On AWS
    the API's value is authoritative when it is the server's adjustment of the request: a value within
    ``IOPS_STEP`` (1000) of the request, or the minimum (3000) when less was requested, is not a change.
    """
    if cluster.get("cloud_provider") != "AWS":
        return False
    cur = dedicated_config(cluster).get("disk_iops")
    if cur is None:
        return True
    want, cur = int(disk_iops), int(cur)
    if want < AWS_MIN_IOPS and cur == AWS_MIN_IOPS:
        return False
    return abs(cur - want) >= IOPS_STEP


def spend_limit_to_usage_limits(cents):
    """US cents -> ``{request_unit_limit, storage_mib_limit}`` (integer arithmetic, truncating)."""
    cents = int(cents)
    return {
        "request_unit_limit": cents * RU_PER_DOLLAR * 8 // 10 // 100,
        "storage_mib_limit": cents * MIB_PER_DOLLAR * 2 // 10 // 100,
    }


def usage_limits_to_spend_limit(limits):
    """The spend limit (US cents) whose conversion gives this request-unit limit, or None."""
    ru = (limits or {}).get("request_unit_limit")
    if ru is None:
        return None
    return int(round(int(ru) * 10 * 100 / (RU_PER_DOLLAR * 8.0)))


# -- cloud_cluster: validation before any request ---------------------------------------------------
def cluster_option_errors(params):
    """The ``validate`` hook of ``cloud_cluster``: option values and combinations that can never work.

    What the argspec says (name or id, hardware.num_virtual_cpus or machine_type) is not repeated here.
    Returns a list of messages, each naming the option (empty = fine).
    """
    errors = []
    version = params.get("api_version")
    if version is not None and version != CLUSTER_API_VERSION:
        errors.append("api_version %s is not supported by cloud_cluster: it sends API %s bodies (plans BASIC, "
                      "STANDARD and ADVANCED, usage_limits, labels, delete_protection), which older API versions "
                      "do not have; remove api_version or set it to %s (for a legacy spend limit use "
                      "cloud_spend_limit)" % (version, CLUSTER_API_VERSION, CLUSTER_API_VERSION))
    name = params.get("name")
    if name is not None and not NAME_RE.match(name):
        errors.append("name %r is not a valid cluster name: use 6 to 20 lowercase letters, digits and dashes, "
                      "not starting or ending with a dash" % name)
    plan = params.get("plan")
    family = plan_family(plan)
    if family == "dedicated":
        wrong = [o for o in SERVERLESS_OPTIONS if params.get(o) is not None]
        if wrong:
            errors.append("%s only apply to BASIC and STANDARD clusters, not to plan ADVANCED; remove them or use "
                          "region_nodes and hardware" % ", ".join(wrong))
    elif family == "serverless":
        wrong = [o for o in DEDICATED_OPTIONS if params.get(o) is not None]
        if wrong:
            errors.append("%s only apply to plan ADVANCED, not to plan %s; remove them or use regions and "
                          "usage_limits" % (", ".join(wrong), plan))
    limits = params.get("usage_limits") or {}
    for key in LIMIT_KEYS:
        value = limits.get(key)
        if value is not None and int(value) <= 0:
            errors.append("usage_limits.%s must be a positive integer (got %s); leave it out for no limit"
                          % (key, value))
    if plan == "BASIC" and limits.get("provisioned_virtual_cpus") is not None:
        errors.append("usage_limits.provisioned_virtual_cpus applies to STANDARD clusters; a BASIC cluster "
                      "uses request_unit_limit and storage_mib_limit")
    if plan == "STANDARD" and [k for k in ("request_unit_limit", "storage_mib_limit") if limits.get(k) is not None]:
        errors.append("usage_limits.request_unit_limit and storage_mib_limit apply to BASIC clusters; a STANDARD "
                      "cluster uses provisioned_virtual_cpus")
    if plan == "BASIC" and params.get("upgrade_type") == "MANUAL":
        errors.append("upgrade_type MANUAL is not supported on BASIC clusters; use AUTOMATIC or plan STANDARD")
    if plan == "BASIC" and params.get("cockroach_version"):
        errors.append("cockroach_version cannot be set on a BASIC cluster (Cloud keeps BASIC clusters on the "
                      "latest version); remove it")
    version = params.get("cockroach_version")
    if version is not None and not MAJOR_RE.match(str(version).strip()):
        errors.append("cockroach_version must be a major version such as v24.3, got %r" % version)
    action = params.get("upgrade_action")
    if action == "rollback" and version:
        errors.append("upgrade_action rollback returns to the previous version by itself; remove cockroach_version "
                      "(or set it to the previous major version instead of using upgrade_action)")
    if action == "finalize" and version and not params.get("wait", True):
        errors.append("upgrade_action finalize together with a cockroach_version change needs wait: true "
                      "(the upgrade must finish before it can be finalized)")
    for region, count in sorted((params.get("region_nodes") or {}).items()):
        try:
            ok = int(count) >= 1
        except (TypeError, ValueError):
            ok = False
        if not ok:
            errors.append("region_nodes.%s must be a positive number of nodes, got %r" % (region, count))
    regions = params.get("regions")
    if regions is not None and not regions:
        errors.append("regions must name at least one region")
    if regions and params.get("primary_region") and params["primary_region"] not in regions:
        errors.append("primary_region %s must be one of regions (%s)" % (params["primary_region"], ", ".join(regions)))
    if regions and len(regions) > 1 and not params.get("primary_region"):
        errors.append("primary_region is required when regions lists more than one region")
    hw = params.get("hardware") or {}
    for key in ("num_virtual_cpus", "storage_gib", "disk_iops"):
        if hw.get(key) is not None and int(hw[key]) < 0:
            errors.append("hardware.%s must not be negative" % key)
    timeout = params.get("wait_timeout")
    if timeout is not None and timeout <= 0:
        errors.append("wait_timeout must be a positive number of seconds")
    return errors


# -- cloud_cluster: create ---------------------------------------------------------------------------
def create_body(params):
    """``POST /clusters`` body from the options; ValueError names what is missing."""
    plan = params.get("plan")
    if not params.get("name"):
        raise ValueError("id: no active cluster has id %s; to create a cluster, give its name (and plan, provider, "
                         "...) instead of an id" % params.get("id"))
    if not params.get("provider"):
        raise ValueError("provider is required to create cluster %s (GCP, AWS or AZURE)" % params["name"])
    if not plan:
        raise ValueError("plan is required to create cluster %s (BASIC, STANDARD or ADVANCED)" % params["name"])
    spec = {"plan": plan}
    if plan_family(plan) == "serverless":
        if not params.get("regions"):
            raise ValueError("regions is required to create a %s cluster" % plan)
        if params.get("cockroach_version"):
            raise ValueError("cockroach_version cannot be chosen when creating a %s cluster (it starts on the "
                             "latest version); remove it for the create" % plan)
        limits = clean_limits(params.get("usage_limits"))
        if plan == "STANDARD" and "provisioned_virtual_cpus" not in limits:
            raise ValueError("usage_limits.provisioned_virtual_cpus is required to create a STANDARD cluster")
        serverless = {"regions": list(params["regions"])}
        if params.get("primary_region"):
            serverless["primary_region"] = params["primary_region"]
        if limits:
            serverless["usage_limits"] = wire_limits(limits)
        if params.get("upgrade_type"):
            serverless["upgrade_type"] = params["upgrade_type"]
        if params.get("with_empty_ip_allowlist"):
            serverless["with_empty_ip_allowlist"] = True
        spec["serverless"] = serverless
    else:
        if not params.get("region_nodes"):
            raise ValueError("region_nodes is required to create an ADVANCED cluster (e.g. {us-east1: 3})")
        hw = params.get("hardware") or {}
        if not (hw.get("num_virtual_cpus") or hw.get("machine_type")):
            raise ValueError("hardware.num_virtual_cpus or hardware.machine_type is required to create an "
                             "ADVANCED cluster")
        machine = {"num_virtual_cpus": hw["num_virtual_cpus"]} if hw.get("num_virtual_cpus") else \
            {"machine_type": hw["machine_type"]}
        hardware = {"machine_spec": machine, "storage_gib": int(hw.get("storage_gib") or 0)}
        if hw.get("disk_iops"):
            hardware["disk_iops"] = int(hw["disk_iops"])
        dedicated = {"region_nodes": {k: int(v) for k, v in params["region_nodes"].items()},
                     "hardware": hardware}
        if params.get("cockroach_version"):
            dedicated["cockroach_version"] = normalize_major(params["cockroach_version"])
        if params.get("network_visibility"):
            dedicated["network_visibility"] = params["network_visibility"]
        if params.get("cidr_range"):
            dedicated["cidr_range"] = params["cidr_range"]
        spec["dedicated"] = dedicated
    if params.get("delete_protection") is not None:
        spec["delete_protection"] = "ENABLED" if params["delete_protection"] else "DISABLED"
    if params.get("labels") is not None:
        spec["labels"] = {k: str(v) for k, v in params["labels"].items()}
    if params.get("parent_id"):
        spec["parent_id"] = params["parent_id"]  # the folder id cloud_cluster resolved from its folder option
    return {"name": params["name"], "provider": params["provider"], "spec": spec}


def predict_created(params, wait=True):
    """What ``GET /clusters/{id}`` should show after the create (check mode)."""
    body = create_body(params)
    spec = body["spec"]
    out = {
        "id": None, "name": body["name"], "cloud_provider": body["provider"], "plan": spec["plan"],
        "state": "CREATED" if wait else "CREATING", "operation_status": "UNSPECIFIED",
        "labels": spec.get("labels", {}), "delete_protection": spec.get("delete_protection", "DISABLED"),
        "cockroach_version": spec.get("dedicated", {}).get("cockroach_version"),
        "parent_id": spec.get("parent_id", "root"),
    }
    if "serverless" in spec:
        sv = spec["serverless"]
        primary = sv.get("primary_region") or (sv["regions"][0] if len(sv["regions"]) == 1 else None)
        out["config"] = {"serverless": {"upgrade_type": sv.get("upgrade_type", "AUTOMATIC")}}
        if sv.get("usage_limits"):
            out["config"]["serverless"]["usage_limits"] = sv["usage_limits"]
        out["regions"] = [{"name": r, "node_count": 0, "primary": r == primary} for r in sorted(sv["regions"])]
    else:
        dd = spec["dedicated"]
        hw = dd["hardware"]
        config = {"num_virtual_cpus": hw["machine_spec"].get("num_virtual_cpus"),
                  "machine_type": hw["machine_spec"].get("machine_type"),
                  "storage_gib": hw.get("storage_gib") or None, "disk_iops": hw.get("disk_iops")}
        out["config"] = {"dedicated": {k: v for k, v in config.items() if v is not None}}
        out["regions"] = [{"name": r, "node_count": n, "primary": False} for r, n in sorted(dd["region_nodes"].items())]
        out["network_visibility"] = dd.get("network_visibility", "PUBLIC")
        if dd.get("cidr_range"):
            out["cidr_range"] = dd["cidr_range"]
    return out


# -- cloud_cluster: update -----------------------------------------------------------------------------
def check_immutable(params, cluster):
    """Raise ValueError naming the option when it asks for a change the API cannot make in place."""
    name = cluster.get("name")
    if params.get("name") and params.get("id") and params["name"] != name:
        raise ValueError("name: cluster %s is named %s; clusters cannot be renamed (use the current name, or "
                         "create a new cluster)" % (cluster.get("id"), name))
    if params.get("provider") and params["provider"] != cluster.get("cloud_provider"):
        raise ValueError("provider: cluster %s runs on %s and cannot move to %s in place; create a new cluster "
                         "instead" % (name, cluster.get("cloud_provider"), params["provider"]))
    plan = params.get("plan")
    if plan and plan_family(plan) != plan_family(cluster.get("plan")):
        raise ValueError("plan: cluster %s is %s and cannot change to %s in place (ADVANCED and BASIC/STANDARD "
                         "are different deployments); create a new cluster instead" % (name, cluster.get("plan"), plan))
    family = plan_family(cluster.get("plan"))
    if family == "serverless":
        wrong = [o for o in DEDICATED_OPTIONS if params.get(o) is not None]
        if wrong:
            raise ValueError("%s: cluster %s is %s; these options only apply to ADVANCED clusters"
                             % (", ".join(wrong), name, cluster.get("plan")))
    else:
        wrong = [o for o in SERVERLESS_OPTIONS if params.get(o) is not None]
        if wrong:
            raise ValueError("%s: cluster %s is ADVANCED; these options only apply to BASIC and STANDARD clusters"
                             % (", ".join(wrong), name))
    visibility = params.get("network_visibility")
    if visibility and visibility != (cluster.get("network_visibility") or "PUBLIC"):
        raise ValueError("network_visibility: cluster %s is %s and network visibility cannot change after "
                         "creation; create a new cluster instead" % (name, cluster.get("network_visibility") or "PUBLIC"))
    cidr = params.get("cidr_range")
    if cidr and cidr != cluster.get("cidr_range"):
        raise ValueError("cidr_range: cluster %s uses %s and the CIDR range cannot change after creation"
                         % (name, cluster.get("cidr_range") or "no custom range"))
    regions = params.get("regions")
    if regions is not None:
        removed = sorted(set(region_names(cluster)) - set(regions))
        if removed:
            raise ValueError("regions: regions cannot be removed from a serverless cluster (%s would be removed "
                             "from %s); list them too" % (", ".join(removed), name))


def edit_changes(params, cluster):
    """The ``PATCH /clusters/{id}`` body (no version fields) that brings the cluster to the options."""
    body = {}
    plan = params.get("plan")
    cur_plan = cluster.get("plan")
    serverless = {}
    if plan_family(cur_plan) == "serverless":
        target_plan = plan or cur_plan
        if plan and plan != cur_plan:
            body["plan"] = plan
        regions = params.get("regions")
        if regions is not None and sorted(set(regions)) != region_names(cluster):
            serverless["regions"] = list(regions)
        primary = params.get("primary_region")
        if primary and primary != current_primary(cluster):
            serverless["primary_region"] = primary
        upgrade_type = params.get("upgrade_type")
        cur_upgrade = ((cluster.get("config") or {}).get("serverless") or {}).get("upgrade_type")
        if target_plan == "BASIC" and upgrade_type == "MANUAL":
            raise ValueError("upgrade_type MANUAL is not supported on BASIC clusters (cluster %s is BASIC); use "
                             "AUTOMATIC, or plan: STANDARD" % cluster.get("name"))
        if upgrade_type and upgrade_type != cur_upgrade:
            serverless["upgrade_type"] = upgrade_type
        if params.get("usage_limits") is not None or "plan" in body:
            want = clean_limits(params.get("usage_limits")) if params.get("usage_limits") is not None \
                else current_limits(cluster)
            if target_plan == "STANDARD" and "provisioned_virtual_cpus" not in want:
                raise ValueError("usage_limits.provisioned_virtual_cpus is required for a STANDARD cluster")
            if target_plan == "BASIC" and "provisioned_virtual_cpus" in want:
                if params.get("usage_limits") is not None:
                    raise ValueError("usage_limits.provisioned_virtual_cpus applies to STANDARD clusters; remove it "
                                     "for plan BASIC")
                want.pop("provisioned_virtual_cpus")
            if target_plan == "STANDARD":
                for key in ("request_unit_limit", "storage_mib_limit"):
                    if key in want and params.get("usage_limits") is None:
                        want.pop(key)
            if want != current_limits(cluster) or "plan" in body:
                serverless["usage_limits"] = wire_limits(want)
        if serverless:
            body["serverless"] = serverless
    else:
        dedicated = {}
        region_nodes = params.get("region_nodes")
        if region_nodes is not None:
            want = {k: int(v) for k, v in region_nodes.items()}
            if want != region_nodes_of(cluster):
                dedicated["region_nodes"] = want
        hw = params.get("hardware") or {}
        cur = dedicated_config(cluster)
        hardware = {}
        if hw.get("num_virtual_cpus") and not values_equal(cur.get("num_virtual_cpus"), hw["num_virtual_cpus"]):
            hardware["machine_spec"] = {"num_virtual_cpus": int(hw["num_virtual_cpus"])}
        elif hw.get("machine_type") and machine_type_differs(cluster, hw["machine_type"]):
            hardware["machine_spec"] = {"machine_type": hw["machine_type"]}
        if hw.get("storage_gib") and not values_equal(cur.get("storage_gib"), hw["storage_gib"]):
            if int(hw["storage_gib"]) < int(cur.get("storage_gib") or 0):
                raise ValueError("hardware.storage_gib: storage cannot shrink (cluster %s has %s GiB per node)"
                                 % (cluster.get("name"), cur.get("storage_gib")))
            hardware["storage_gib"] = int(hw["storage_gib"])
        if hw.get("disk_iops") and disk_iops_differs(cluster, hw["disk_iops"]):
            hardware["disk_iops"] = int(hw["disk_iops"])
        if hardware:
            dedicated["hardware"] = hardware
        if dedicated:
            body["dedicated"] = dedicated
    protection = params.get("delete_protection")
    if protection is not None:
        want = "ENABLED" if protection else "DISABLED"
        if want != (cluster.get("delete_protection") or "DISABLED"):
            body["delete_protection"] = want
    labels = params.get("labels")
    if labels is not None:
        want = {k: str(v) for k, v in labels.items()}
        if want != (cluster.get("labels") or {}):
            body["labels"] = want
    parent = params.get("parent_id")
    if parent and parent != (cluster.get("parent_id") or "root"):
        body["parent_id"] = parent  # a move to another folder
    return body


def version_steps(params, cluster):
    """Ordered version PATCH bodies (each must be sent alone), e.g. upgrade then finalize."""
    steps = []
    want = normalize_major(params.get("cockroach_version")) if params.get("cockroach_version") else None
    cur = normalize_major(cluster.get("cockroach_version"))
    status = cluster.get("upgrade_status")
    action = params.get("upgrade_action")
    if want and want != cur:
        if cluster.get("plan") == "BASIC":
            raise ValueError("cockroach_version: BASIC clusters cannot choose their version (cluster %s runs %s)"
                             % (cluster.get("name"), cur))
        if cluster.get("plan") == "STANDARD":
            upgrade_type = params.get("upgrade_type") or \
                ((cluster.get("config") or {}).get("serverless") or {}).get("upgrade_type")
            if upgrade_type != "MANUAL":
                raise ValueError("cockroach_version: a STANDARD cluster must have upgrade_type MANUAL before its "
                                 "version can be set; add upgrade_type: MANUAL")
        steps.append({"cockroach_version": want})
        if action == "finalize":
            steps.append({"upgrade_status": "FINALIZED"})
    elif action == "finalize" and status == "PENDING_FINALIZATION":
        steps.append({"upgrade_status": "FINALIZED"})
    elif action == "rollback" and status == "PENDING_FINALIZATION":
        steps.append({"upgrade_status": "ROLLBACK_RUNNING"})
    return steps


def cluster_changes(params, cluster):
    """``{"edit": PATCH body, "version": [PATCH bodies]}`` with only what differs; {} = nothing to do."""
    check_immutable(params, cluster)
    changes = {}
    edit = edit_changes(params, cluster)
    if edit:
        changes["edit"] = edit
    steps = version_steps(params, cluster)
    if steps:
        changes["version"] = steps
    return changes


def predict_updated(cluster, changes, wait=True):
    """The cluster as it should look after ``changes`` (check mode)."""
    out = copy.deepcopy(cluster)
    edit = changes.get("edit") or {}
    for key in ("plan", "delete_protection"):
        if key in edit:
            out[key] = edit[key]
    if "labels" in edit:
        out["labels"] = dict(edit["labels"])
    if "parent_id" in edit:
        out["parent_id"] = edit["parent_id"]
    sv = edit.get("serverless") or {}
    if sv:
        config = out.setdefault("config", {}).setdefault("serverless", {})
        if "upgrade_type" in sv:
            config["upgrade_type"] = sv["upgrade_type"]
        if "usage_limits" in sv:
            config["usage_limits"] = dict(sv["usage_limits"])
        if "regions" in sv or "primary_region" in sv:
            names = sorted(set(sv.get("regions") or region_names(cluster)))
            primary = sv.get("primary_region") or current_primary(cluster)
            known = {r.get("name"): r for r in cluster.get("regions") or []}
            out["regions"] = [deep_merge(known.get(n, {"name": n, "node_count": 0}), {"primary": n == primary})
                              for n in names]
    dd = edit.get("dedicated") or {}
    if dd:
        config = out.setdefault("config", {}).setdefault("dedicated", {})
        if "region_nodes" in dd:
            known = {r.get("name"): r for r in cluster.get("regions") or []}
            out["regions"] = [deep_merge(known.get(n, {"name": n, "primary": False}), {"node_count": c})
                              for n, c in sorted(dd["region_nodes"].items())]
        hw = dd.get("hardware") or {}
        machine = hw.get("machine_spec") or {}
        if "num_virtual_cpus" in machine:
            config["num_virtual_cpus"] = machine["num_virtual_cpus"]
        if "machine_type" in machine:
            config["machine_type"] = machine["machine_type"]
        for key in ("storage_gib", "disk_iops"):
            if key in hw:
                config[key] = hw[key]
    for step in changes.get("version") or []:
        if "cockroach_version" in step:
            out["cockroach_version"] = step["cockroach_version"]
            out["upgrade_status"] = "PENDING_FINALIZATION" if wait else "MAJOR_UPGRADE_RUNNING"
        elif step.get("upgrade_status") == "FINALIZED":
            out["upgrade_status"] = "FINALIZED"
        elif step.get("upgrade_status") == "ROLLBACK_RUNNING":
            out["upgrade_status"] = "UPGRADE_AVAILABLE" if wait else "ROLLBACK_RUNNING"
    return out


# -- cloud_spend_limit -----------------------------------------------------------------------------------
def desired_limits(params, cluster, legacy, usage_limits_supported=True):
    """``(mode, desired, conversion)`` for ``cloud_spend_limit``.

    ``mode`` is ``spend_limit`` (cents, API versions up to 2023-04-10: ``legacy``) or ``usage_limits``;
    ``desired`` the target value in that unit; ``conversion`` describes the cents -> limits mapping when
    one was applied. ``usage_limits_supported`` is false before API version 2023-04-10.
    """
    name = cluster.get("name")
    plan = cluster.get("plan")
    if plan_family(plan) != "serverless":
        raise ValueError("cluster: %s is an %s cluster; spend and usage limits apply only to BASIC and STANDARD "
                         "clusters" % (name, plan))
    if params.get("spend_limit") is not None:
        cents = int(params["spend_limit"])
        if plan == "STANDARD":
            raise ValueError("spend_limit converts to request-unit and storage limits, which apply only to BASIC "
                             "clusters; cluster %s is STANDARD: use usage_limits.provisioned_virtual_cpus" % name)
        if cents <= 0:
            raise ValueError("spend_limit must be greater than 0 (it becomes usage limits, which cannot be zero)")
        if legacy:
            return "spend_limit", cents, None
        limits = spend_limit_to_usage_limits(cents)
        conversion = dict(spend_limit=cents, **limits)
        return "usage_limits", limits, conversion
    limits = clean_limits(params.get("usage_limits"))
    if not usage_limits_supported:
        raise ValueError("usage_limits needs api_version 2023-04-10 or later; with api_version %s use spend_limit"
                         % params.get("api_version"))
    if plan == "BASIC" and "provisioned_virtual_cpus" in limits:
        raise ValueError("usage_limits.provisioned_virtual_cpus applies to STANDARD clusters; cluster %s is BASIC"
                         % name)
    if plan == "STANDARD":
        extra = [k for k in ("request_unit_limit", "storage_mib_limit") if k in limits]
        if extra:
            raise ValueError("usage_limits.%s applies to BASIC clusters; cluster %s is STANDARD and uses "
                             "provisioned_virtual_cpus" % (extra[0], name))
        if "provisioned_virtual_cpus" not in limits:
            raise ValueError("usage_limits.provisioned_virtual_cpus is required for STANDARD cluster %s" % name)
    return "usage_limits", limits, None


def limits_view(cluster, mode):
    """Limits in both units, for the result and the diff."""
    serverless = ((cluster or {}).get("config") or {}).get("serverless") or {}
    if mode == "spend_limit":
        cents = serverless.get("spend_limit")
        cents = int(cents) if cents is not None else None
        return {"spend_limit": cents,
                "usage_limits": spend_limit_to_usage_limits(cents) if cents is not None else {}}
    limits = current_limits(cluster)
    return {"usage_limits": limits, "spend_limit": usage_limits_to_spend_limit(limits)}
