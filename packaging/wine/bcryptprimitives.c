/* TEST-ONLY stand-in for Windows' bcryptprimitives.dll, which Wine gained in 8.13: Debian 12's
 * Wine 8.0 lacks it, and the Rust standard library (pycrdt's extension) imports ProcessPrng
 * from it. Compiled by packaging/msi_smoke.py into a throwaway Wine prefix; never shipped. */
#include <windows.h>
#include <ntsecapi.h>

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T size)
{
    while (size > 0) {
        ULONG chunk = size > 0x10000000 ? 0x10000000 : (ULONG)size;
        if (!RtlGenRandom(data, chunk))
            return FALSE;
        data += chunk;
        size -= chunk;
    }
    return TRUE;
}
