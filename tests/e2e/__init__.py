"""Real servers, browsers and players: one server per configuration, shared."""
