"""Integration tests: boot Keel on each test bed and check what it prints (keel.py)."""

import pytest

from keel import BEDS, require_build


def pytest_addoption(parser):
    parser.addoption("--bed", action="append", choices=sorted(BEDS), default=None,
                     help="test bed to boot on (repeatable; default: every bed)")


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


@pytest.fixture(scope="session", autouse=True)
def built():
    require_build()
