"""Central-station user roles, from the least to the most trusted. ``liaison`` (public security) only
reads. Apart from :mod:`webmap.schema` so the command line can offer them without loading SQLAlchemy."""

ROLES: tuple[str, ...] = ("liaison", "field", "coordinator", "admin")
