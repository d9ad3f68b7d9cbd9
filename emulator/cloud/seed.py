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


# Dedicated machine sizes: vCPUs allowed and the machine type naming per provider.
VCPU_SIZES = (2, 4, 8, 16, 32)
_AWS_SIZES = {2: "large", 4: "xlarge", 8: "2xlarge", 16: "4xlarge", 32: "8xlarge"}


def machine_type_for(provider: str, vcpus: int) -> str:
    if provider == "AWS":
        return "m6i." + _AWS_SIZES[vcpus]
    if provider == "AZURE":
        return "Standard_D%ds_v5" % vcpus
    return "n2-standard-%d" % vcpus


def vcpus_for_machine_type(provider: str, machine_type: str) -> Optional[int]:
    for n in VCPU_SIZES:
        if machine_type_for(provider, n) == machine_type:
            return n
    return None


MEMORY_GIB_PER_VCPU = 4.0
MIN_STORAGE_GIB = 15
MAX_STORAGE_GIB = 16384
DEFAULT_STORAGE_GIB = 35
DEFAULT_AWS_IOPS_PER_GIB = 3  # disk_iops default on AWS = storage_gib * 3 (min 3000)
MAX_NODES_PER_REGION = 150

ORGANIZATION = {
    "id": "9f2c2f5e-6b0a-4c55-8a3e-0d1e5c7a1b01",
    "label": "emulator-org",
    "name": "Emulator Organization",
    "created_at": "2024-01-02T03:04:05Z",
}
SERVICE_ACCOUNT_ID = "2b7f6c3e-91d4-4a8b-b2f0-5e6d7c8a9b10"
SERVICE_ACCOUNT_NAME = "emulator-service-account"
