"""The project as loaded: YAML and .po readers, the config and content models."""
