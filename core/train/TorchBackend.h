#pragma once
// Torch-free: the app includes this to register the LibTorch backend.

namespace flopsfit {

// Registers the "torch" training backend (TorchTrainer) with the backend registry.
void registerTorchBackend();

} // namespace flopsfit
