"""Money: the exchange rates that turn every deal's amount into the pact's currency."""
