"""No model of ours can bypass the scoping layer or the audit trail by being forgotten."""

from __future__ import annotations

import pytest
from django.apps import apps

from berdaya.core import audit, scoping


def our_models():
    return [
        model
        for model in apps.get_models()
        if model.__module__.startswith("berdaya.") and not model._meta.auto_created
    ]


def test_there_are_models_to_check():
    assert len(our_models()) >= 4


@pytest.mark.parametrize("model", our_models(), ids=lambda m: m._meta.label)
def test_model_declares_its_scope(model):
    declaration = scoping.declaration_of(model)
    assert declaration is not None, (
        f"{model._meta.label} holds data but declares no scope: add @scoped(...) for records that "
        "belong to a region, partner, owner or assignee, or @unscoped('why') for reference data"
    )
    if isinstance(declaration, str):
        assert len(declaration) > 10, "say why the model is not scoped"


@pytest.mark.parametrize("model", our_models(), ids=lambda m: m._meta.label)
def test_scoped_models_are_audited(model):
    if isinstance(scoping.declaration_of(model), scoping.Scope):
        assert model in audit.tracked_models(), f"{model._meta.label} is scoped data but not @track-ed"


@pytest.mark.parametrize("model", our_models(), ids=lambda m: m._meta.label)
def test_declared_paths_exist(model):
    """A typo in a scope path must fail here, not silently hide or show records."""
    declaration = scoping.declaration_of(model)
    if not isinstance(declaration, scoping.Scope):
        return
    qs = model._default_manager.all()
    for path in (declaration.partner, declaration.owner, declaration.assignee):
        if path:
            str(qs.filter(**{path: 1}).query)  # raises FieldError for a wrong path
    if declaration.region:
        str(qs.filter(scoping.region_filter(declaration.region, "74.71", declaration.region_depth)).query)


def test_an_undeclared_model_is_refused():
    from django.contrib.sessions.models import Session

    with pytest.raises(scoping.ScopeNotDeclared):
        scoping.visible(None, Session)
