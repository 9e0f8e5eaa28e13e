"""The README's GraphQL examples are what a frontend developer copies first: each operation
in its ```graphql blocks must be valid against the schema as it is (issue 10)."""

import re
from pathlib import Path

import pytest
from graphql import OperationDefinitionNode, parse, print_ast, validate

from schema import schema

ROOT = Path(__file__).resolve().parents[2]
BLOCK = re.compile(r"```graphql\n(.*?)```", re.S)


def readme_operations() -> list[tuple[str, str]]:
    """(label, document) for every operation of every graphql block, fragments included
    with the operation that needs them."""
    found = []
    for number, block in enumerate(BLOCK.findall((ROOT / "README.md").read_text()), start=1):
        document = parse(block)
        fragments = [d for d in document.definitions if not isinstance(d, OperationDefinitionNode)]
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        for index, operation in enumerate(operations, start=1):
            text = "\n".join(print_ast(node) for node in (operation, *fragments))
            found.append((f"block {number}, operation {index}", text))
    return found


def test_the_readme_has_examples_to_check():
    assert len(readme_operations()) >= 20


@pytest.mark.parametrize(("label", "document"), readme_operations())
def test_a_readme_example_is_valid_against_the_schema(label, document):
    errors = validate(schema._schema, parse(document))
    assert [error.message for error in errors] == [], f"{label}:\n{document}"
