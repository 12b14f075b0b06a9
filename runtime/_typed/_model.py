"""``GeneratedModel``: the base of generated pydantic models (its own module, so that the
typed layer imports pydantic only where a module declares models or a value needs it)."""

from __future__ import annotations

from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    model_serializer,
)

__all__ = ["GeneratedModel"]


class GeneratedModel(BaseModel):
    """Base of every generated pydantic model: built lazily, nothing the server sends is lost.

    Dumped, a model holds what was set: a field nobody set whose value is ``None`` (the
    stand-in for "not given" of an optional field) is left out rather than sent as ``null``,
    which the app may not accept (a chat message without ``files``); the app's own default
    applies. A ``None`` that was set (by the app or by the caller) is kept."""

    model_config = ConfigDict(defer_build=True, extra="allow", populate_by_name=True)

    @model_serializer(mode="wrap")
    def _leave_out_unset_none(
        self, handler: SerializerFunctionWrapHandler, info: SerializationInfo
    ) -> Any:
        data = handler(self)
        if isinstance(data, dict):
            fields_set = self.model_fields_set
            for name, field in type(self).model_fields.items():
                if name not in fields_set and getattr(self, name, None) is None:
                    key = (
                        (field.serialization_alias or field.alias or name)
                        if info.by_alias
                        else name
                    )
                    if data.get(key, 0) is None:
                        del data[key]
        return data
