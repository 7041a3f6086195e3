"""The bundled MainTCP simulator: a real AVTCP/1 server over a deterministic data set."""

from portal.avantage.simulator.config import SimulatorConfig
from portal.avantage.simulator.dataset import Dataset
from portal.avantage.simulator.server import SimulatorServer

__all__ = ["Dataset", "SimulatorConfig", "SimulatorServer"]
