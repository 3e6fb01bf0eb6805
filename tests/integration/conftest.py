"""Integration tests: boot Keel on each test bed and check what it prints (keel.py)."""

import pytest

from keel import BEDS, require_build


def pytest_addoption(parser):
    parser.addoption("--bed", action="append", choices=sorted(BEDS), default=None,
                     help="test bed to boot on (repeatable; default: every bed)")
    parser.addoption("--campaign-count", type=int, default=None,
                     help="operations per hostile-guest campaign (default: each campaign's short run)")
    parser.addoption("--campaign-seed", type=int, default=None,
                     help="the campaigns' random seed (default: each campaign's own)")


def pytest_configure(config):
    config.addinivalue_line("markers", "campaign: a hostile-guest campaign, which make fuzz-guests runs long")


def pytest_collection_modifyitems(config, items):
    chosen = config.getoption("--bed")
    if not chosen:
        return
    keep, drop = [], []
    for item in items:
        bed = getattr(item, "callspec", None) and item.callspec.params.get("bed")
        (drop if bed is not None and bed not in chosen else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="session", params=sorted(BEDS))
def bed(request):
    return BEDS[request.param]


@pytest.fixture
def campaign(request):
    """(count, seed) for a campaign: make fuzz-guests' COUNT and SEED, or None for each that
    was not given."""
    return request.config.getoption("--campaign-count"), request.config.getoption("--campaign-seed")


@pytest.fixture(scope="session", autouse=True)
def built():
    require_build()
