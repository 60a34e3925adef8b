from pydantic import BaseModel


class Item(BaseModel):
    b: str
