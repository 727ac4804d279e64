"""Rule packs: YAML specs, their loader, the condition language and the vectorised checks."""
