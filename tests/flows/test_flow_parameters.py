"""Every flow of flows/ accepts its parameters the way a deployment run checks them.

A served or scheduled run gets its flow unpickled by cloudpickle (by value: the function keeps
only the globals its code uses) and Prefect validates the parameters with a pydantic model built
from the annotations. Postponed (string) annotations such as "Path" then cannot be resolved and
every subflow fails before it starts. `ducpho-etl run` never showed it: it calls the flows in
the process that imported them.
"""

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import cloudpickle
import pytest
from prefect import Flow

import flows
from ducpho_etl.config import RunConfig

FLOWS_DIR = Path(flows.__file__).parent
MODULES = sorted(m.name for m in pkgutil.iter_modules([str(FLOWS_DIR)]))
SAMPLE_BY_TYPE = {"string": "thue", "integer": 2023, "number": 1.5, "boolean": False,
                  "array": [], "object": {}}


def _flows() -> dict[str, Flow]:
    found = {}
    for name in MODULES:
        module = importlib.import_module(f"flows.{name}")
        for value in vars(module).values():
            if isinstance(value, Flow) and value.fn.__module__ == module.__name__:
                found[value.name] = value
    return found


def _sample_parameters(flow: Flow) -> dict:
    """A value of the right JSON type for every required parameter (paths as strings, as a
    deployment stores them; a model such as RunConfig as a JSON object of its own required
    fields)."""
    schema = flow.parameters.model_dump()
    return _sample_object(schema, schema.get("definitions", {}))


def _sample_object(schema: dict, definitions: dict) -> dict:
    values = {}
    for name in schema["required"]:
        spec = schema["properties"][name]
        if "$ref" in spec:
            values[name] = _sample_object(definitions[spec["$ref"].rsplit("/", 1)[-1]],
                                          definitions)
            continue
        kinds = [spec.get("type")] + [s.get("type") for s in spec.get("anyOf", [])]
        kind = next(k for k in kinds if k and k != "null")
        values[name] = "/tmp/ducpho" if spec.get("format") == "path" else SAMPLE_BY_TYPE[kind]
    return values


def test_every_flow_module_is_found():
    assert {"ducpho-nightly", "source"} <= set(_flows())


@pytest.mark.parametrize("module", MODULES)
def test_no_postponed_annotations_in_flow_modules(module):
    tree = ast.parse((FLOWS_DIR / f"{module}.py").read_text(encoding="utf-8"))
    postponed = [node for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                 and node.module == "__future__" and any(a.name == "annotations" for a in node.names)]
    assert not postponed, f"flows/{module}.py: parameter types must be real objects"


@pytest.mark.parametrize("name", sorted(_flows()))
def test_parameters_validate_after_unpickling_as_a_served_run_does(name):
    flow = _flows()[name]
    shipped = cloudpickle.loads(cloudpickle.dumps(flow))
    parameters = _sample_parameters(flow)
    validated = shipped.validate_parameters(parameters)
    assert set(parameters) <= set(validated)
    signature = inspect.signature(flow.fn)
    for key, parameter in signature.parameters.items():
        if parameter.annotation is Path and key in parameters:
            assert isinstance(validated[key], Path), key  # the type was resolved, not skipped
        if parameter.annotation is RunConfig:  # a model: validated into one, its paths as Paths
            assert isinstance(validated[key], RunConfig), key
            assert isinstance(validated[key].input_dir, Path), key
