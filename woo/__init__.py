"""woo: active publication (Woo) and archiving service for Dutch public bodies."""
