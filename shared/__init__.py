"""The app's core: settings, storage clients, orders and images. Never imports azure.functions."""
