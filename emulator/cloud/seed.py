"""Static catalogue data for the Cloud API emulator.

Everything here is invented for the emulator (plausible, not a copy of the real catalogue):
the regions each cloud provider offers, the CockroachDB major versions the emulated service
supports with their allowed upgrades, and the machine types a dedicated (ADVANCED) cluster can
use.  Tests and clients should read these through the API (``GET /api/v1/clusters/available-regions``,
``GET /api/v1/cluster-versions``) rather than hard-coding them.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple

PROVIDERS = ("GCP", "AWS", "AZURE")

# (name, location, serverless available, distance in miles from the "caller")
REGIONS: Dict[str, List[Tuple[str, str, bool, float]]] = {
    "GCP": [
        ("us-central1", "Iowa", True, 212.5),
        ("us-east1", "South Carolina", True, 540.0),
        ("us-east4", "Virginia", False, 480.25),
        ("us-west2", "California", True, 1720.75),
        ("europe-west1", "Belgium", True, 4410.0),
        ("asia-southeast1", "Singapore", True, 9380.5),
    ],
    "AWS": [
        ("us-east-1", "N. Virginia", True, 470.5),
        ("us-east-2", "Ohio", False, 310.0),
        ("us-west-2", "Oregon", True, 1690.25),
        ("eu-central-1", "Frankfurt", True, 4620.0),
        ("ap-south-1", "Mumbai", True, 8050.75),
    ],
    "AZURE": [
        ("eastus2", "Virginia", True, 482.0),
        ("westus3", "Arizona", False, 1320.5),
        ("westeurope", "Netherlands", True, 4390.25),
        ("centralindia", "Pune", False, 8210.0),
    ],
}


def region_names(provider: str, serverless: Optional[bool] = None) -> List[str]:
    return [r[0] for r in REGIONS.get(provider, []) if not serverless or r[2]]


def region_info(provider: str, name: str) -> Optional[Tuple[str, str, bool, float]]:
    for r in REGIONS.get(provider, []):
        if r[0] == name:
            return r
    return None


# Major versions, newest first.  ``latest`` is the full version a cluster on that major runs.
# allowed_upgrades lists majors a cluster on this major may be upgraded to (innovation
# releases are optional: v24.1 may go to v24.2 or skip it and go to v24.3).
VERSIONS: List[Dict] = [
    {"version": "v24.3", "latest": "v24.3.5", "support_status": "SUPPORTED",
     "support_end": "2026-05-18T00:00:00Z", "release_type": "REGULAR", "allowed_upgrades": []},
    {"version": "v24.2", "latest": "v24.2.10", "support_status": "SUPPORTED",
     "support_end": "2025-08-12T00:00:00Z", "release_type": "INNOVATION", "allowed_upgrades": ["v24.3"]},
    {"version": "v24.1", "latest": "v24.1.14", "support_status": "SUPPORTED",
     "support_end": "2026-05-20T00:00:00Z", "release_type": "REGULAR", "allowed_upgrades": ["v24.2", "v24.3"]},
    {"version": "v23.2", "latest": "v23.2.20", "support_status": "SUPPORTED",
     "support_end": "2025-08-05T00:00:00Z", "release_type": "REGULAR", "allowed_upgrades": ["v24.1"]},
    {"version": "v23.1", "latest": "v23.1.30", "support_status": "UNSUPPORTED",
     "support_end": "2024-11-15T00:00:00Z", "release_type": "REGULAR", "allowed_upgrades": ["v23.2"]},
]

LATEST_MAJOR = VERSIONS[0]["version"]


def version_entry(major: str) -> Optional[Dict]:
    for v in VERSIONS:
        if v["version"] == major:
            return v
    return None


def major_of(version: str) -> str:
    """'v24.2.4' -> 'v24.2'; 'v24.2' -> 'v24.2'."""
    parts = version.split(".")
    return ".".join(parts[:2])


def supported_majors() -> List[str]:
    return [v["version"] for v in VERSIONS if v["support_status"] != "UNSUPPORTED"]


# Dedicated machine sizes: vCPUs allowed and the machine type naming per provider.  Each provider has two
# equivalent families (same vCPU count and memory per size); the first is what a request by
# ``num_virtual_cpus`` gets.  The server may answer a machine_type request with the other family's type of the
# same size (see ``equivalent_machine_type`` and CloudState ``machine_type_swap``).
VCPU_SIZES = (2, 4, 8, 16, 32)
_AWS_SIZES = {2: "large", 4: "xlarge", 8: "2xlarge", 16: "4xlarge", 32: "8xlarge"}
MACHINE_FAMILIES = {
    "GCP": ("n2-standard-%(n)d", "n2d-standard-%(n)d"),
    "AWS": ("m6i.%(aws)s", "m5.%(aws)s"),
    "AZURE": ("Standard_D%(n)ds_v5", "Standard_D%(n)das_v5"),
}


def machine_type_for(provider: str, vcpus: int, family: int = 0) -> str:
    return MACHINE_FAMILIES.get(provider, MACHINE_FAMILIES["GCP"])[family] % {"n": vcpus, "aws": _AWS_SIZES[vcpus]}


def machine_type_family(provider: str, machine_type: str) -> Optional[Tuple[int, int]]:
    """(family index, vCPUs) of a machine type of ``provider``, or None when it is not in the catalogue."""
    for family in (0, 1):
        for n in VCPU_SIZES:
            if machine_type_for(provider, n, family) == machine_type:
                return family, n
    return None


def vcpus_for_machine_type(provider: str, machine_type: str) -> Optional[int]:
    found = machine_type_family(provider, machine_type)
    return found[1] if found else None


def equivalent_machine_type(provider: str, machine_type: str) -> str:
    """The other family's type with the same vCPU count (n2-standard-4 <-> n2d-standard-4, m6i.xlarge <-> m5.xlarge)."""
    family, n = machine_type_family(provider, machine_type)
    return machine_type_for(provider, n, 1 - family)


MEMORY_GIB_PER_VCPU = 4.0
MIN_STORAGE_GIB = 15
MAX_STORAGE_GIB = 16384
DEFAULT_STORAGE_GIB = 35
DEFAULT_AWS_IOPS_PER_GIB = 3  # disk_iops default on AWS = storage_gib * 3 (min 3000)
AWS_MIN_IOPS = 3000
AWS_IOPS_STEP = 1000          # a requested disk_iops is provisioned rounded up to a multiple of this (AWS)
FIXED_IOPS_PER_GIB = 30       # GCP and Azure ignore disk_iops: they report storage_gib * 30
MAX_NODES_PER_REGION = 150

ORGANIZATION = {
    "id": "9f2c2f5e-6b0a-4c55-8a3e-0d1e5c7a1b01",
    "label": "emulator-org",
    "name": "Emulator Organization",
    "created_at": "2024-01-02T03:04:05Z",
}
SERVICE_ACCOUNT_ID = "2b7f6c3e-91d4-4a8b-b2f0-5e6d7c8a9b10"
SERVICE_ACCOUNT_NAME = "emulator-service-account"
