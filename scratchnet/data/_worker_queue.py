"""The result queue of DataLoader workers (a module of its own so that importing
scratchnet.data does not import multiprocessing).

A ``multiprocessing.Queue`` pickles what is put on it in a background thread; when that fails
(a collate_fn returned something unpicklable), the standard queue only prints the error in
the worker and the main process would wait for the batch for ever. This queue sends the
failure instead, as the batch's error, so the main process raises it.
"""
import multiprocessing.queues


class ResultQueue(multiprocessing.queues.Queue):
    def __init__(self, context):
        super().__init__(ctx=context)

    def _on_queue_feeder_error(self, error, obj):
        from ._worker import _RemoteError, get_worker_info

        task_id = obj[0] if isinstance(obj, tuple) and obj else None
        info = get_worker_info()
        problem = TypeError(f"the batch could not be sent to the main process, because "
                            f"pickling it failed: {type(error).__name__}: {error}")
        self.put((task_id, None, _RemoteError(info.id if info else -1, problem)))
