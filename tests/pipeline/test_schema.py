import pytest

from nbops.exceptions import InputError
from nbops.steps.schema import infer_schema, parse_parameters


@pytest.fixture
def schema(jp_nbops_tagged_notebook):
    return {p.name: p for p in infer_schema(jp_nbops_tagged_notebook)}


def test_types_defaults_and_help_are_inferred(schema):
    expected = {
        "alpha": ("float", 0.5, "regularization strength", False),
        "epochs": ("int", 3, "", False),
        "label": ("str", "baseline", "what to call the run", False),
        "use_cache": ("bool", True, "", False),
        "layers": ("list", [8, 4], "", False),
        "options": ("dict", {"seed": 1}, "", False),
        "note": ("any", None, "", False),
        "dataset": ("str", None, "required: the snapshot to read", True),
    }
    found = {n: (p.type, p.default, p.help, p.required) for n, p in schema.items()}
    assert found == expected


def test_values_are_parsed_to_the_schema_types(schema):
    values = parse_parameters(
        list(schema.values()),
        {
            "alpha": "0.25",
            "epochs": "10",
            "label": "  spaced  ",
            "use_cache": "no",
            "layers": "[16, 8, 4]",
            "options": '{"seed": 2}',
            "note": "anything",
            "dataset": "wine",
        },
    )
    assert values == {
        "alpha": 0.25,
        "epochs": 10,
        "label": "  spaced  ",
        "use_cache": False,
        "layers": [16, 8, 4],
        "options": {"seed": 2},
        "note": "anything",
        "dataset": "wine",
    }


def test_typed_values_from_a_file_are_checked(schema):
    values = parse_parameters(list(schema.values()), {"alpha": 1, "dataset": "x", "layers": [1]})
    assert values == {"alpha": 1.0, "dataset": "x", "layers": [1]}
    with pytest.raises(InputError, match="'epochs' expects int"):
        parse_parameters(list(schema.values()), {"epochs": True, "dataset": "x"})


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("epochs", "3.5"),
        ("alpha", "fast"),
        ("use_cache", "maybe"),
        ("layers", "{'a': 1}"),
        ("options", "[1]"),
        ("epochs", ""),
    ],
)
def test_a_value_that_does_not_parse_names_parameter_type_and_choices(schema, name, value):
    with pytest.raises(InputError) as err:
        parse_parameters(list(schema.values()), {name: value, "dataset": "x"})
    message = str(err.value)
    assert f"{name!r} expects {schema[name].type}" in message
    assert "alpha (float)" in message and "dataset (str)" in message


def test_unknown_parameter_lists_the_allowed_names(schema):
    with pytest.raises(InputError, match="Unknown parameter 'alpah'") as err:
        parse_parameters(list(schema.values()), {"alpah": "1", "dataset": "x"})
    assert "alpha (float)" in str(err.value)


def test_missing_required_parameter(schema):
    with pytest.raises(InputError, match=r"Missing required parameter.*dataset"):
        parse_parameters(list(schema.values()), {"alpha": "1"})


def test_no_parameters_cell_means_no_parameters(jp_nbops_notebook_factory):
    notebook = jp_nbops_notebook_factory("plain.ipynb", [("x = 1", [])])
    assert infer_schema(notebook) == []
    with pytest.raises(InputError, match="none \\(no parameters cell\\)"):
        parse_parameters([], {"x": "2"})
