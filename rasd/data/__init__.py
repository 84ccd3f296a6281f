"""Records, label schemas, validation and the importers/exporters for annotation tools."""
