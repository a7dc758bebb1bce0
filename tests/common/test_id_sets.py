"""`among(ids)` filters like `__in=ids`, with the ids bound as one array on PostgreSQL, written by
`id_array` as a literal of digits only."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Company
from common.id_sets import among, id_array

from ..factories import CompanyFactory

pytestmark = pytest.mark.django_db


def test_among_finds_the_rows_the_id_list_names_and_only_those():
    companies = [CompanyFactory() for _ in range(4)]
    wanted = [companies[0].pk, companies[2].pk, 10**9]

    with CaptureQueriesContext(connection) as captured:
        found = sorted(Company.objects.filter(pk__in=among(wanted)).values_list("pk", flat=True))

    assert found == [companies[0].pk, companies[2].pk]
    assert Company.objects.filter(pk__in=among([])).count() == 0
    [sql] = [q["sql"] for q in captured.captured_queries]
    if connection.vendor == "postgresql":
        assert "unnest" in sql and str(10**9) in sql
    else:
        assert sql.count(str(10**9)) == 1


def test_id_array_writes_one_literal_of_the_ids_and_refuses_anything_but_integers():
    assert id_array([3, 1, 2]) == "{3,1,2}"
    assert id_array([]) == "{}"
    with pytest.raises(ValueError):
        id_array(["1}, {2"])
