"""Live events: one typed definition per event, published after commit to the channel
layer, read back by the subscriptions. Knows nothing of GraphQL."""
