"""Housing domain actions, one module per subject; pure (a session and the actor in)."""
