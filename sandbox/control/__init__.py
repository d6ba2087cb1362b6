"""The control API under /_sandbox/: who may call it, actions on the stored world, and the in-memory switches."""
