"""Fuzzer hooks of the ``access`` family (test_cloud_fuzz.py): mostly-valid bodies and known path values."""

from hypothesis import strategies as st

from emulator.cloud import seed

PERSONS = ["6a1f0c52-2c1b-4f7e-9d2a-0b5e8f3c4d02", "6a1f0c52-2c1b-4f7e-9d2a-0b5e8f3c4d03"]
ROLE = st.sampled_from(["ORG_MEMBER", "CLUSTER_ADMIN", "BILLING_VIEWER", "FOLDER_ADMIN", "CLUSTER_DEVELOPER"])

VALID_BODIES = {
    "CockroachCloud_SetRolesForUser": st.fixed_dictionaries({"roles": st.lists(
        st.fixed_dictionaries({"name": ROLE, "resource": st.just({"type": "ORGANIZATION"})}), max_size=3)}),
    "CockroachCloud_AddJWTIssuer": st.fixed_dictionaries({
        "issuer_url": st.sampled_from(["https://a.example.com", "https://b.example.com", "http://c"]),
        "audience": st.sampled_from(["crdb", ""])},
        optional={"claim": st.sampled_from(["sub", "email"]), "jwks": st.sampled_from(['{"keys": []}', "{"])}),
    "CockroachCloud_UpdateJWTIssuer": st.fixed_dictionaries({}, optional={
        "audience": st.sampled_from(["crdb2", ""]), "claim": st.sampled_from(["email", ""])}),
}


FUZZ_ISSUER = "https://fuzz.example.com"


def _fuzz_issuer(s):
    return next((i for i, j in s.jwt_issuers.items() if j["issuer_url"] == FUZZ_ISSUER), None)


def prepare(fz):
    s = fz.cl.api.s
    if ("BILLING_VIEWER", "ORGANIZATION", "") not in s.roles_of(PERSONS[0]):  # for RemoveUserFromRole to remove
        s.add_role(PERSONS[0], "ORGANIZATION", "", "BILLING_VIEWER")
    if _fuzz_issuer(s) is None:
        fz.cl.post("/api/v1/jwt-issuers", {"issuer_url": FUZZ_ISSUER, "audience": "crdb"})


def query_values(fz, op_id, name):
    if op_id == "CockroachCloud_GetPersonUsersByEmail" and name == "email":
        return ["dev@example.com", "ADMIN@example.com"]
    return None


# RemoveUserFromRole: exactly the grant prepare() keeps in place, so that a removal can succeed
REMOVABLE = {"user_id": PERSONS[0], "resource_type": "ORGANIZATION", "resource_id": seed.ORGANIZATION["id"],
             "role_name": "BILLING_VIEWER"}


def path_values(fz, op_id, name):
    s = fz.cl.api.s
    if op_id == "CockroachCloud_RemoveUserFromRole" and name in REMOVABLE:
        return [REMOVABLE[name]]
    if name == "user_id":
        return PERSONS + [seed.SERVICE_ACCOUNT_ID]
    if name == "resource_type":
        return ["ORGANIZATION", "CLUSTER", "FOLDER"]
    if name == "resource_id":
        return [seed.ORGANIZATION["id"]] + list(fz.pool.values())
    if name == "role_name":
        return ["ORG_MEMBER", "BILLING_VIEWER", "CLUSTER_ADMIN", "FOLDER_MOVER"]
    if name == "id" and "JWT" in op_id:
        return [_fuzz_issuer(s) or "6a1f0c52-0000-4000-8000-00000000f022"]  # always one value: stable draws
    if name == "invoice_id":
        return [s.invoice_id(p[0]) for p in s.invoice_periods()[-2:]]
    return None
