"""Search attributes: filter a cycle's workflows in the Temporal Web UI or with list_workflows.

    RakortekYear = 2022 AND RakortekStage = "SIGN_OFF"

They must be registered on the server before a cycle starts: the embedded dev server registers
them itself; on a cluster, see deploy/temporal/setup-namespace.sh or README, "Production".
"""

from __future__ import annotations

from temporalio.common import SearchAttributeKey, SearchAttributePair, TypedSearchAttributes

YEAR = SearchAttributeKey.for_int("RakortekYear")
PROVINCE = SearchAttributeKey.for_keyword("RakortekProvince")
STAGE = SearchAttributeKey.for_keyword("RakortekStage")

SEARCH_ATTRIBUTES: list[tuple[SearchAttributeKey, str]] = [
    (YEAR, "Int"),
    (PROVINCE, "Keyword"),
    (STAGE, "Keyword"),
]
"""Each key with its type name as the Temporal CLI spells it (--search-attribute NAME=TYPE)."""


def cycle_attributes(year: int) -> TypedSearchAttributes:
    return TypedSearchAttributes([SearchAttributePair(YEAR, year)])


def province_attributes(year: int, province: str, stage: str) -> TypedSearchAttributes:
    return TypedSearchAttributes(
        [
            SearchAttributePair(YEAR, year),
            SearchAttributePair(PROVINCE, province),
            SearchAttributePair(STAGE, stage),
        ]
    )
