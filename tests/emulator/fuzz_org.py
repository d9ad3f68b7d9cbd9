"""Fuzzer hooks of the org family (folders, service accounts, API keys): mostly valid bodies, and a folder, a
service account and an API key kept around (``prepare``) so that the get/update/delete paths hit real state."""

from hypothesis import strategies as st

IDS = {}  # the ids ``prepare`` keeps alive, read when a body is drawn
UNKNOWN = "3f0c1a2b-1111-4222-8333-444455556666"
NAMES = st.sampled_from(["prod", "payments", "eu", "a", "x" * 49, "", " lead", "a/b", "ü-名前", "dev team"])
LABELS = st.dictionaries(st.sampled_from(["env", "team", "Bad", "k1"]), st.sampled_from(["prod", "", "X"]), max_size=2)
PARENT = st.sampled_from(["folder", "root", "", UNKNOWN]).map(lambda v: IDS.get(v, "root") if v == "folder" else v)
SA_ID = st.sampled_from(["sa", "sa", "nope", UNKNOWN]).map(lambda v: IDS.get(v, "") if v == "sa" else v)

VALID_BODIES = {
    "CockroachCloud_CreateFolder": st.fixed_dictionaries({"name": NAMES}, optional={"parent_id": PARENT,
                                                                                    "labels": LABELS}),
    "CockroachCloud_UpdateFolder": st.fixed_dictionaries({}, optional={"name": NAMES, "parent_id": PARENT,
                                                                       "labels": LABELS}),
    "CockroachCloud_CreateServiceAccount": st.fixed_dictionaries(
        {"name": st.sampled_from(["ci", "", "deployer"])},
        optional={"description": st.sampled_from(["", "d"]), "roles": st.just([
            {"name": "CLUSTER_ADMIN", "resource": {"type": "ORGANIZATION"}}])}),
    "CockroachCloud_UpdateServiceAccount": st.fixed_dictionaries(
        {}, optional={"name": st.sampled_from(["ci2", ""]), "description": st.sampled_from(["x", "y" * 300])}),
    "CockroachCloud_CreateApiKey": st.fixed_dictionaries({"name": st.sampled_from(["deploy", "", "k" * 129]),
                                                          "service_account_id": SA_ID}),
    "CockroachCloud_UpdateApiKey": st.fixed_dictionaries({}, optional={"name": st.sampled_from(["renamed", ""])}),
}


def prepare(fz):
    """A folder, a service account and an API key of it exist before every case."""
    if "folder" not in IDS or fz.cl.get("/api/v1/folders/" + IDS["folder"]).status != 200:
        fz.n += 1
        r = fz.cl.post("/api/v1/folders", {"name": "fuzz-folder-%d" % fz.n})
        assert r.status == 200, r
        IDS["folder"] = r.body["resource_id"]
    if "sa" not in IDS or fz.cl.get("/api/v1/service-accounts/" + IDS["sa"]).status != 200:
        r = fz.cl.post("/api/v1/service-accounts", {"name": "fuzz-sa"})
        assert r.status == 200, r
        IDS["sa"] = r.body["id"]
        IDS.pop("key", None)
    if "key" not in IDS or fz.cl.get("/api/v1/api-keys/" + IDS["key"]).status != 200:
        r = fz.cl.post("/api/v1/api-keys", {"name": "fuzz-key", "service_account_id": IDS["sa"]})
        assert r.status == 200, r
        IDS["key"] = r.body["api_key"]["id"]


def path_values(fz, op_id, name):  # pylint: disable=unused-argument
    if name == "folder_id":
        return [v for v in (IDS.get("folder"), "root") if v]
    if name == "id" and "ServiceAccount" in op_id and IDS.get("sa"):
        return [IDS["sa"]]
    if name == "id" and "ApiKey" in op_id and IDS.get("key"):
        return [IDS["key"]]
    return None
