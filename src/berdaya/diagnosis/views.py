from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def _todo(request: HttpRequest, *args, **kwargs) -> HttpResponse:  # replaced below as pages land
    raise Http404


overview = worklist = worklist_export = assess = assessment_detail = _todo
