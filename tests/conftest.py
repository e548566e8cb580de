import os
import tempfile

# Keras runs on its torch backend in the interop tests; both must be set before keras is imported,
# and its config folder goes to a temporary place rather than the home or the repository.
os.environ.setdefault("KERAS_BACKEND", "torch")
os.environ.setdefault("KERAS_HOME", tempfile.mkdtemp(prefix="grukit-keras-"))

import torch  # noqa: E402

# Unit tests use tiny tensors: one thread is fastest, and it keeps a busy machine's
# other processes from slowing every step down (each op would wait on every thread).
torch.set_num_threads(1)
