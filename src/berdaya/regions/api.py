from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from berdaya.api.errors import ApiError
from berdaya.regions import lookup
from berdaya.regions.models import Level, Region

router = Router()


class RegionOut(Schema):
    code: str
    name: str
    level: str
    parent_code: str | None = Field(None, alias="parent_id")


class RegionFilters(Schema):
    parent: str | None = Field(None, description="Kode induk, bertitik atau tidak (74 / 74.71 / 7471).")
    level: Level | None = None
    q: str | None = Field(None, max_length=100, description="Bagian nama, tidak peka huruf besar.")


class LookupOut(Schema):
    status: lookup.Status
    query: str
    message: str
    region: RegionOut | None
    candidates: list[RegionOut]


def _code_or_400(value: str, field: str) -> Region:
    result = lookup.resolve_code(value)
    if result.status != lookup.Status.FOUND:
        raise ApiError(result.message, fields={field: [result.message]})
    return result.region


@router.get("", response=list[RegionOut], summary="Daftar wilayah")
@paginate(LimitOffsetPagination)
def list_regions(request: HttpRequest, filters: Query[RegionFilters]):
    qs = Region.objects.all()
    if filters.parent:
        qs = qs.filter(parent_id=_code_or_400(filters.parent, "parent").code)
    elif not filters.q and not filters.level:
        qs = qs.filter(parent__isnull=True)  # without a filter, start at the provinces
    if filters.level:
        qs = qs.filter(level=filters.level)
    if filters.q:
        qs = qs.filter(name__icontains=filters.q.strip())
    return qs.order_by("code")


@router.get("/lookup", response=LookupOut, summary="Cari wilayah dari kode atau nama")
def lookup_region(request: HttpRequest, q: str, parent: str | None = None):
    parent_region = _code_or_400(parent, "parent") if parent else None
    result = lookup.resolve(q, parent=parent_region)
    return {
        "status": result.status,
        "query": result.query,
        "message": result.message,
        "region": result.region,
        "candidates": list(result.candidates),
    }


@router.get("/{code}", response=RegionOut, summary="Satu wilayah")
def get_region(request: HttpRequest, code: str):
    result = lookup.resolve_code(code)
    if result.status == lookup.Status.INVALID:
        raise ApiError(result.message, fields={"code": [result.message]})
    if result.status != lookup.Status.FOUND:
        from django.http import Http404

        raise Http404(result.message)
    return result.region
