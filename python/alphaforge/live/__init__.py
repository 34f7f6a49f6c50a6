"""Live and paper trading: the asyncio TradingNode, its journal, and the venue interface."""
