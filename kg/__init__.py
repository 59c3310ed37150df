"""digital-china-kg: a knowledge graph of China's Overall Layout Plan for Digital China Construction."""

__version__ = "0.1.0"
