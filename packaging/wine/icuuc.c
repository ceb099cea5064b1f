/* TEST-ONLY stand-in for Windows' icuuc.dll (Windows 10 1903+; Wine has it only from 11.5):
 * Qt6Core >= 6.10 imports ICU's converter API from it, for legacy text codecs. Every converter
 * is "unavailable" here, so Qt falls back to its built-in UTF codecs. Compiled by
 * packaging/msi_smoke.py into a throwaway Wine prefix; never shipped. */
#include <stddef.h>
#include <stdint.h>

typedef int UErrorCode;
#define U_FILE_ACCESS_ERROR 4
#define STUB(name) __declspec(dllexport) intptr_t name(void) { return 0; }

__declspec(dllexport) void *ucnv_open(const char *name, UErrorCode *err)
{
    (void)name;
    if (err && *err <= 0)
        *err = U_FILE_ACCESS_ERROR;
    return NULL;
}

__declspec(dllexport) const char *ucnv_getStandardName(const char *name, const char *standard, UErrorCode *err)
{
    (void)name; (void)standard;
    if (err && *err <= 0)
        *err = U_FILE_ACCESS_ERROR;
    return NULL;
}

STUB(ucnv_close)
STUB(ucnv_reset)
STUB(ucnv_getMaxCharSize)
STUB(ucnv_getName)
STUB(ucnv_getToUCallBack)
STUB(ucnv_getFromUCallBack)
STUB(ucnv_setToUCallBack)
STUB(ucnv_setFromUCallBack)
STUB(ucnv_cbToUWriteUChars)
STUB(ucnv_cbFromUWriteUChars)
STUB(ucnv_toUnicode)
STUB(ucnv_fromUnicode)
STUB(ucnv_toUCountPending)
STUB(ucnv_fromUCountPending)
STUB(ucnv_getAvailableName)
STUB(ucnv_countAvailable)
STUB(UCNV_FROM_U_CALLBACK_SUBSTITUTE)
STUB(UCNV_TO_U_CALLBACK_SUBSTITUTE)
