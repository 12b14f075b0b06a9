"""Hand-made snapshots for the contract tests: small, explicit, one fact per argument."""

from __future__ import annotations

from typing import Any


def param(
    name: str,
    schema: dict[str, Any] | None = None,
    *,
    default: Any = None,
    has_default: bool = False,
    component: str = "Textbox",
) -> dict[str, Any]:
    return {
        "label": name,
        "parameter_name": name,
        "parameter_has_default": has_default,
        "parameter_default": default,
        "type": schema if schema is not None else {"type": "string"},
        "python_type": {"type": "str", "description": ""},
        "component": component,
        "example_input": None,
    }


def ret(
    label: str, schema: dict[str, Any] | None = None, component: str = "Textbox"
) -> dict[str, Any]:
    return {
        "label": label,
        "type": schema if schema is not None else {"type": "string"},
        "python_type": {"type": "str", "description": ""},
        "component": component,
    }


def endpoint(
    params: list[dict[str, Any]],
    returns: list[dict[str, Any]] | None = None,
    *,
    queue: bool = True,
    generator: bool = False,
    connection: str = "sse",
    state_inputs: int = 0,
) -> dict[str, Any]:
    return {
        "params": params,
        "returns": returns if returns is not None else [ret("out")],
        "queue": queue,
        "generator": generator,
        "connection": connection,
        "state_inputs": state_inputs,
    }


def snapshot(
    endpoints: dict[str, dict[str, Any]], *, order: list[str] | None = None, **config: Any
) -> dict[str, Any]:
    """``endpoints`` maps an api_name (no slash) to ``endpoint(...)``; fn_index follows
    ``order`` (default: sorted names) so tests can shift indices on purpose."""
    components: list[dict[str, Any]] = []
    deps: list[dict[str, Any]] = []
    named: dict[str, Any] = {}
    next_id = 1000
    for fn_index, name in enumerate(order or sorted(endpoints)):
        ep = endpoints[name]
        inputs = []
        for _ in ep["params"]:
            components.append({"id": next_id, "type": "textbox"})
            inputs.append(next_id)
            next_id += 1
        for _ in range(ep["state_inputs"]):
            components.append({"id": next_id, "type": "state"})
            inputs.append(next_id)
            next_id += 1
        outputs = []
        for _ in ep["returns"]:
            components.append({"id": next_id, "type": "textbox"})
            outputs.append(next_id)
            next_id += 1
        deps.append(
            {
                "id": fn_index,
                "api_name": name,
                "inputs": inputs,
                "outputs": outputs,
                "backend_fn": True,
                "queue": ep["queue"],
                "types": {"generator": ep["generator"], "cancel": False},
                "connection": ep["connection"],
                "api_visibility": "public",
            }
        )
        named["/" + name] = {
            "parameters": ep["params"],
            "returns": ep["returns"],
            "api_visibility": "public",
            "description": "",
        }
    cfg = {
        "version": "6.31.0",
        "protocol": "sse_v3",
        "api_prefix": "/gradio_api",
        "max_file_size": None,
        "components": components,
        "dependencies": deps,
        **config,
    }
    return {"config": cfg, "info": {"named_endpoints": named, "unnamed_endpoints": {}}}
