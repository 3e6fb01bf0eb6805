"""What a domain costs Keel in memory, from the "memory (bytes):" table of its report: at most
64 KiB of its own per domain, nested page tables within 0.2% of guest RAM, and guest RAM
mapped with the largest nested pages the CPU has (every bed's CPU has 1 GiB ones)."""

from keel import boot, memory_config
from test_default import closing_lines

MIB = 1 << 20
SIZES = (32, 128, 1024)
CONFIG = memory_config(SIZES)
# Tables: PML4, PDPT and one PD for RAM in 2 MiB pages; PML4 and PDPT for one 1 GiB page.
TABLES_2M = 3 * 4096
TABLES_1G = 2 * 4096


def run(tmp_path, bed, machine_mib):
    result = boot(tmp_path, CONFIG, bed=bed, memory=machine_mib, timeout=300)
    assert closing_lines(result) == ("Keel finished: 3 ended cleanly, 0 crashed", "Keel exit status 0"), str(result)
    nested = [line for line in result.lines if "nested paging with" in line]
    assert len(nested) == 1 and nested[0].endswith("nested paging with 4 KiB, 2 MiB and 1 GiB pages"), str(result)
    return result.memory()


def test_memory_per_domain(tmp_path, bed):
    """With 3 GiB, a free 1 GiB-aligned GiB is there: the 1 GiB guest is one nested page."""
    table = run(tmp_path, bed, 3072)
    own = {table[f"ram{mib}"]["own"] for mib in SIZES}
    assert len(own) == 1, f"the same configuration costs different amounts: {table}"
    assert own.pop() <= 64 * 1024, str(table)
    for mib in SIZES:
        row = table[f"ram{mib}"]
        assert row["ram"] == mib * MIB, str(table)
        assert row["page_tables"] == (TABLES_1G if mib == 1024 else TABLES_2M), f"ram{mib}: {table}"
        assert row["page_tables"] <= 0.002 * row["ram"], f"ram{mib}: {table}"
    assert 0 < table["shared"]["own"] <= 32 * 1024, str(table)


def test_without_a_free_aligned_gib_2m_pages_back_it(tmp_path, bed):
    """With 2 GiB, the firmware keeps memory near the top of the second GiB: no 1 GiB-aligned
    GiB is free, and the 1 GiB guest is backed with 2 MiB pieces instead."""
    table = run(tmp_path, bed, 2048)
    assert table["ram1024"] == {"ram": 1024 * MIB, "own": table["ram32"]["own"], "page_tables": TABLES_2M}, \
        str(table)
