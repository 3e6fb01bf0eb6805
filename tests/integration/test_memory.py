"""What a domain costs Keel in memory, from the "memory (bytes):" table of its report: at most
64 KiB of its own per domain, nested page tables within 0.2% of guest RAM, and guest RAM
mapped with the largest nested pages the CPU has (every bed's CPU has 1 GiB ones)."""

from keel import MEMORY_SIZES, MIB, VGA_WINDOW, boot, memory_config
from test_default import closing_lines

PAGE = 4096
# Tables: the PML4, a PDPT, the PD of the low GiB, and a page table for the first 2 MiB, which
# holds the PC's holes (4 KiB pages); the rest of the low RAM is 2 MiB pages. The GiB above
# 4 GiB of ram1040 is one more PDPT entry (a 1 GiB page), or a second PD of 2 MiB pages.
TABLES_LOW = 4 * PAGE
TABLES_HIGH_2M = TABLES_LOW + PAGE


def run(tmp_path, bed, machine_mib):
    result = boot(tmp_path, memory_config(), bed=bed, memory=machine_mib, timeout=300)
    assert closing_lines(result) == ("Keel finished: 3 ended cleanly, 0 crashed", "Keel exit status 0"), str(result)
    nested = [line for line in result.lines if "nested paging with" in line]
    assert len(nested) == 1 and nested[0].endswith("nested paging with 4 KiB, 2 MiB and 1 GiB pages"), str(result)
    return result.memory()


def test_memory_per_domain(tmp_path, bed):
    """With 3 GiB, a free 1 GiB-aligned GiB is there: the GiB above 4 GiB is one nested page.
    A domain's RAM is its memory but the VGA window, which nothing backs."""
    table = run(tmp_path, bed, 3072)
    own = {table[f"ram{mib}"]["own"] for mib in MEMORY_SIZES}
    assert len(own) == 1, f"the same configuration costs different amounts: {table}"
    assert own.pop() <= 64 * 1024, str(table)
    for mib in MEMORY_SIZES:
        row = table[f"ram{mib}"]
        assert row["ram"] == mib * MIB - VGA_WINDOW, str(table)
        assert row["page_tables"] == TABLES_LOW, f"ram{mib}: {table}"
        assert row["page_tables"] <= 0.002 * row["ram"], f"ram{mib}: {table}"
    assert 0 < table["shared"]["own"] <= 32 * 1024, str(table)


def test_without_a_free_aligned_gib_2m_pages_back_it(tmp_path, bed):
    """With 2 GiB, the firmware keeps memory near the top of the second GiB: no 1 GiB-aligned
    GiB is free, and the GiB above 4 GiB is backed with 2 MiB pieces instead."""
    table = run(tmp_path, bed, 2048)
    assert table["ram1040"] == {"ram": 1040 * MIB - VGA_WINDOW, "own": table["ram32"]["own"],
                                "page_tables": TABLES_HIGH_2M}, str(table)
