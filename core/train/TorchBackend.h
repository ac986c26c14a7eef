#pragma once
// Torch-free: the app includes this to register the LibTorch backend.
#include <QString>

namespace flopsfit {

// Registers the "torch" training backend (TorchTrainer) with the backend registry.
void registerTorchBackend();

// "torch 1.13.1, BLAS /usr/lib/…/libblas.so.3": the LibTorch version and the library whose
// sgemm_ this process calls, with a warning appended when that is not the system's libblas.so.3
// (another BLAS loaded first, e.g. ATLAS's, makes every product slower).
QString torchRuntimeDescription();

} // namespace flopsfit
