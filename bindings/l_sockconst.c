/* l_sockconst.c - the platform's socket constants and small socket utilities
** (inet_*, byte order, host and interface names, CMSG sizes), and trio.errno.
** The constant lists come from the C headers: a name appears only if the platform
** defines it. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/can.h>
#include <linux/can/bcm.h>
#include <linux/can/j1939.h>
#include <linux/can/raw.h>
#include <linux/if_alg.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <linux/tipc.h>
#include <linux/vm_sockets.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "l_common.h"

typedef struct {
  const char *name;
  lua_Integer value;
} constant_t;

static const constant_t socket_constants[] = {
#ifdef AF_ALG
    {"AF_ALG", (lua_Integer)(AF_ALG)},
#endif
#ifdef AF_APPLETALK
    {"AF_APPLETALK", (lua_Integer)(AF_APPLETALK)},
#endif
#ifdef AF_ASH
    {"AF_ASH", (lua_Integer)(AF_ASH)},
#endif
#ifdef AF_ATMPVC
    {"AF_ATMPVC", (lua_Integer)(AF_ATMPVC)},
#endif
#ifdef AF_ATMSVC
    {"AF_ATMSVC", (lua_Integer)(AF_ATMSVC)},
#endif
#ifdef AF_AX25
    {"AF_AX25", (lua_Integer)(AF_AX25)},
#endif
#ifdef AF_BLUETOOTH
    {"AF_BLUETOOTH", (lua_Integer)(AF_BLUETOOTH)},
#endif
#ifdef AF_BRIDGE
    {"AF_BRIDGE", (lua_Integer)(AF_BRIDGE)},
#endif
#ifdef AF_CAIF
    {"AF_CAIF", (lua_Integer)(AF_CAIF)},
#endif
#ifdef AF_CAN
    {"AF_CAN", (lua_Integer)(AF_CAN)},
#endif
#ifdef AF_DEC
    {"AF_DEC", (lua_Integer)(AF_DEC)},
#endif
#ifdef AF_ECONET
    {"AF_ECONET", (lua_Integer)(AF_ECONET)},
#endif
#ifdef AF_FILE
    {"AF_FILE", (lua_Integer)(AF_FILE)},
#endif
#ifdef AF_IB
    {"AF_IB", (lua_Integer)(AF_IB)},
#endif
#ifdef AF_IEEE802154
    {"AF_IEEE802154", (lua_Integer)(AF_IEEE802154)},
#endif
#ifdef AF_INET
    {"AF_INET", (lua_Integer)(AF_INET)},
#endif
#ifdef AF_INET6
    {"AF_INET6", (lua_Integer)(AF_INET6)},
#endif
#ifdef AF_IPX
    {"AF_IPX", (lua_Integer)(AF_IPX)},
#endif
#ifdef AF_IRDA
    {"AF_IRDA", (lua_Integer)(AF_IRDA)},
#endif
#ifdef AF_ISDN
    {"AF_ISDN", (lua_Integer)(AF_ISDN)},
#endif
#ifdef AF_IUCV
    {"AF_IUCV", (lua_Integer)(AF_IUCV)},
#endif
#ifdef AF_KCM
    {"AF_KCM", (lua_Integer)(AF_KCM)},
#endif
#ifdef AF_KEY
    {"AF_KEY", (lua_Integer)(AF_KEY)},
#endif
#ifdef AF_LLC
    {"AF_LLC", (lua_Integer)(AF_LLC)},
#endif
#ifdef AF_LOCAL
    {"AF_LOCAL", (lua_Integer)(AF_LOCAL)},
#endif
#ifdef AF_MAX
    {"AF_MAX", (lua_Integer)(AF_MAX)},
#endif
#ifdef AF_MCTP
    {"AF_MCTP", (lua_Integer)(AF_MCTP)},
#endif
#ifdef AF_MPLS
    {"AF_MPLS", (lua_Integer)(AF_MPLS)},
#endif
#ifdef AF_NETBEUI
    {"AF_NETBEUI", (lua_Integer)(AF_NETBEUI)},
#endif
#ifdef AF_NETLINK
    {"AF_NETLINK", (lua_Integer)(AF_NETLINK)},
#endif
#ifdef AF_NETROM
    {"AF_NETROM", (lua_Integer)(AF_NETROM)},
#endif
#ifdef AF_NFC
    {"AF_NFC", (lua_Integer)(AF_NFC)},
#endif
#ifdef AF_PACKET
    {"AF_PACKET", (lua_Integer)(AF_PACKET)},
#endif
#ifdef AF_PHONET
    {"AF_PHONET", (lua_Integer)(AF_PHONET)},
#endif
#ifdef AF_PPPOX
    {"AF_PPPOX", (lua_Integer)(AF_PPPOX)},
#endif
#ifdef AF_QIPCRTR
    {"AF_QIPCRTR", (lua_Integer)(AF_QIPCRTR)},
#endif
#ifdef AF_RDS
    {"AF_RDS", (lua_Integer)(AF_RDS)},
#endif
#ifdef AF_ROSE
    {"AF_ROSE", (lua_Integer)(AF_ROSE)},
#endif
#ifdef AF_ROUTE
    {"AF_ROUTE", (lua_Integer)(AF_ROUTE)},
#endif
#ifdef AF_RXRPC
    {"AF_RXRPC", (lua_Integer)(AF_RXRPC)},
#endif
#ifdef AF_SECURITY
    {"AF_SECURITY", (lua_Integer)(AF_SECURITY)},
#endif
#ifdef AF_SMC
    {"AF_SMC", (lua_Integer)(AF_SMC)},
#endif
#ifdef AF_SNA
    {"AF_SNA", (lua_Integer)(AF_SNA)},
#endif
#ifdef AF_TIPC
    {"AF_TIPC", (lua_Integer)(AF_TIPC)},
#endif
#ifdef AF_UNIX
    {"AF_UNIX", (lua_Integer)(AF_UNIX)},
#endif
#ifdef AF_UNSPEC
    {"AF_UNSPEC", (lua_Integer)(AF_UNSPEC)},
#endif
#ifdef AF_VSOCK
    {"AF_VSOCK", (lua_Integer)(AF_VSOCK)},
#endif
#ifdef AF_WANPIPE
    {"AF_WANPIPE", (lua_Integer)(AF_WANPIPE)},
#endif
#ifdef AF_X25
    {"AF_X25", (lua_Integer)(AF_X25)},
#endif
#ifdef AF_XDP
    {"AF_XDP", (lua_Integer)(AF_XDP)},
#endif
#ifdef AI_ADDRCONFIG
    {"AI_ADDRCONFIG", (lua_Integer)(AI_ADDRCONFIG)},
#endif
#ifdef AI_ALL
    {"AI_ALL", (lua_Integer)(AI_ALL)},
#endif
#ifdef AI_CANONIDN
    {"AI_CANONIDN", (lua_Integer)(AI_CANONIDN)},
#endif
#ifdef AI_CANONNAME
    {"AI_CANONNAME", (lua_Integer)(AI_CANONNAME)},
#endif
#ifdef AI_IDN
    {"AI_IDN", (lua_Integer)(AI_IDN)},
#endif
#ifdef AI_NUMERICHOST
    {"AI_NUMERICHOST", (lua_Integer)(AI_NUMERICHOST)},
#endif
#ifdef AI_NUMERICSERV
    {"AI_NUMERICSERV", (lua_Integer)(AI_NUMERICSERV)},
#endif
#ifdef AI_PASSIVE
    {"AI_PASSIVE", (lua_Integer)(AI_PASSIVE)},
#endif
#ifdef AI_V4MAPPED
    {"AI_V4MAPPED", (lua_Integer)(AI_V4MAPPED)},
#endif
#ifdef ALG_OP_DECRYPT
    {"ALG_OP_DECRYPT", (lua_Integer)(ALG_OP_DECRYPT)},
#endif
#ifdef ALG_OP_ENCRYPT
    {"ALG_OP_ENCRYPT", (lua_Integer)(ALG_OP_ENCRYPT)},
#endif
#ifdef ALG_OP_SIGN
    {"ALG_OP_SIGN", (lua_Integer)(ALG_OP_SIGN)},
#endif
#ifdef ALG_OP_VERIFY
    {"ALG_OP_VERIFY", (lua_Integer)(ALG_OP_VERIFY)},
#endif
#ifdef ALG_SET_AEAD_ASSOCLEN
    {"ALG_SET_AEAD_ASSOCLEN", (lua_Integer)(ALG_SET_AEAD_ASSOCLEN)},
#endif
#ifdef ALG_SET_AEAD_AUTHSIZE
    {"ALG_SET_AEAD_AUTHSIZE", (lua_Integer)(ALG_SET_AEAD_AUTHSIZE)},
#endif
#ifdef ALG_SET_IV
    {"ALG_SET_IV", (lua_Integer)(ALG_SET_IV)},
#endif
#ifdef ALG_SET_KEY
    {"ALG_SET_KEY", (lua_Integer)(ALG_SET_KEY)},
#endif
#ifdef ALG_SET_OP
    {"ALG_SET_OP", (lua_Integer)(ALG_SET_OP)},
#endif
#ifdef ALG_SET_PUBKEY
    {"ALG_SET_PUBKEY", (lua_Integer)(ALG_SET_PUBKEY)},
#endif
#ifdef CAN_BCM
    {"CAN_BCM", (lua_Integer)(CAN_BCM)},
#endif
#ifdef CAN_BCM_CAN_FD_FRAME
    {"CAN_BCM_CAN_FD_FRAME", (lua_Integer)(CAN_BCM_CAN_FD_FRAME)},
#endif
#ifdef CAN_BCM_RX_ANNOUNCE_RESUME
    {"CAN_BCM_RX_ANNOUNCE_RESUME", (lua_Integer)(CAN_BCM_RX_ANNOUNCE_RESUME)},
#endif
#ifdef CAN_BCM_RX_CHANGED
    {"CAN_BCM_RX_CHANGED", (lua_Integer)(CAN_BCM_RX_CHANGED)},
#endif
#ifdef CAN_BCM_RX_CHECK_DLC
    {"CAN_BCM_RX_CHECK_DLC", (lua_Integer)(CAN_BCM_RX_CHECK_DLC)},
#endif
#ifdef CAN_BCM_RX_DELETE
    {"CAN_BCM_RX_DELETE", (lua_Integer)(CAN_BCM_RX_DELETE)},
#endif
#ifdef CAN_BCM_RX_FILTER_ID
    {"CAN_BCM_RX_FILTER_ID", (lua_Integer)(CAN_BCM_RX_FILTER_ID)},
#endif
#ifdef CAN_BCM_RX_NO_AUTOTIMER
    {"CAN_BCM_RX_NO_AUTOTIMER", (lua_Integer)(CAN_BCM_RX_NO_AUTOTIMER)},
#endif
#ifdef CAN_BCM_RX_READ
    {"CAN_BCM_RX_READ", (lua_Integer)(CAN_BCM_RX_READ)},
#endif
#ifdef CAN_BCM_RX_RTR_FRAME
    {"CAN_BCM_RX_RTR_FRAME", (lua_Integer)(CAN_BCM_RX_RTR_FRAME)},
#endif
#ifdef CAN_BCM_RX_SETUP
    {"CAN_BCM_RX_SETUP", (lua_Integer)(CAN_BCM_RX_SETUP)},
#endif
#ifdef CAN_BCM_RX_STATUS
    {"CAN_BCM_RX_STATUS", (lua_Integer)(CAN_BCM_RX_STATUS)},
#endif
#ifdef CAN_BCM_RX_TIMEOUT
    {"CAN_BCM_RX_TIMEOUT", (lua_Integer)(CAN_BCM_RX_TIMEOUT)},
#endif
#ifdef CAN_BCM_SETTIMER
    {"CAN_BCM_SETTIMER", (lua_Integer)(CAN_BCM_SETTIMER)},
#endif
#ifdef CAN_BCM_STARTTIMER
    {"CAN_BCM_STARTTIMER", (lua_Integer)(CAN_BCM_STARTTIMER)},
#endif
#ifdef CAN_BCM_TX_ANNOUNCE
    {"CAN_BCM_TX_ANNOUNCE", (lua_Integer)(CAN_BCM_TX_ANNOUNCE)},
#endif
#ifdef CAN_BCM_TX_COUNTEVT
    {"CAN_BCM_TX_COUNTEVT", (lua_Integer)(CAN_BCM_TX_COUNTEVT)},
#endif
#ifdef CAN_BCM_TX_CP_CAN_ID
    {"CAN_BCM_TX_CP_CAN_ID", (lua_Integer)(CAN_BCM_TX_CP_CAN_ID)},
#endif
#ifdef CAN_BCM_TX_DELETE
    {"CAN_BCM_TX_DELETE", (lua_Integer)(CAN_BCM_TX_DELETE)},
#endif
#ifdef CAN_BCM_TX_EXPIRED
    {"CAN_BCM_TX_EXPIRED", (lua_Integer)(CAN_BCM_TX_EXPIRED)},
#endif
#ifdef CAN_BCM_TX_READ
    {"CAN_BCM_TX_READ", (lua_Integer)(CAN_BCM_TX_READ)},
#endif
#ifdef CAN_BCM_TX_RESET_MULTI_IDX
    {"CAN_BCM_TX_RESET_MULTI_IDX", (lua_Integer)(CAN_BCM_TX_RESET_MULTI_IDX)},
#endif
#ifdef CAN_BCM_TX_SEND
    {"CAN_BCM_TX_SEND", (lua_Integer)(CAN_BCM_TX_SEND)},
#endif
#ifdef CAN_BCM_TX_SETUP
    {"CAN_BCM_TX_SETUP", (lua_Integer)(CAN_BCM_TX_SETUP)},
#endif
#ifdef CAN_BCM_TX_STATUS
    {"CAN_BCM_TX_STATUS", (lua_Integer)(CAN_BCM_TX_STATUS)},
#endif
#ifdef CAN_EFF_FLAG
    {"CAN_EFF_FLAG", (lua_Integer)(CAN_EFF_FLAG)},
#endif
#ifdef CAN_EFF_MASK
    {"CAN_EFF_MASK", (lua_Integer)(CAN_EFF_MASK)},
#endif
#ifdef CAN_ERR_FLAG
    {"CAN_ERR_FLAG", (lua_Integer)(CAN_ERR_FLAG)},
#endif
#ifdef CAN_ERR_MASK
    {"CAN_ERR_MASK", (lua_Integer)(CAN_ERR_MASK)},
#endif
#ifdef CAN_ISOTP
    {"CAN_ISOTP", (lua_Integer)(CAN_ISOTP)},
#endif
#ifdef CAN_J1939
    {"CAN_J1939", (lua_Integer)(CAN_J1939)},
#endif
#ifdef CAN_RAW
    {"CAN_RAW", (lua_Integer)(CAN_RAW)},
#endif
#ifdef CAN_RAW_FD_FRAMES
    {"CAN_RAW_FD_FRAMES", (lua_Integer)(CAN_RAW_FD_FRAMES)},
#endif
#ifdef CAN_RAW_FILTER
    {"CAN_RAW_FILTER", (lua_Integer)(CAN_RAW_FILTER)},
#endif
#ifdef CAN_RAW_JOIN_FILTERS
    {"CAN_RAW_JOIN_FILTERS", (lua_Integer)(CAN_RAW_JOIN_FILTERS)},
#endif
#ifdef CAN_RAW_LOOPBACK
    {"CAN_RAW_LOOPBACK", (lua_Integer)(CAN_RAW_LOOPBACK)},
#endif
#ifdef CAN_RAW_RECV_OWN_MSGS
    {"CAN_RAW_RECV_OWN_MSGS", (lua_Integer)(CAN_RAW_RECV_OWN_MSGS)},
#endif
#ifdef CAN_RTR_FLAG
    {"CAN_RTR_FLAG", (lua_Integer)(CAN_RTR_FLAG)},
#endif
#ifdef CAN_SFF_MASK
    {"CAN_SFF_MASK", (lua_Integer)(CAN_SFF_MASK)},
#endif
#ifdef EAI_ADDRFAMILY
    {"EAI_ADDRFAMILY", (lua_Integer)(EAI_ADDRFAMILY)},
#endif
#ifdef EAI_AGAIN
    {"EAI_AGAIN", (lua_Integer)(EAI_AGAIN)},
#endif
#ifdef EAI_ALLDONE
    {"EAI_ALLDONE", (lua_Integer)(EAI_ALLDONE)},
#endif
#ifdef EAI_BADFLAGS
    {"EAI_BADFLAGS", (lua_Integer)(EAI_BADFLAGS)},
#endif
#ifdef EAI_CANCELED
    {"EAI_CANCELED", (lua_Integer)(EAI_CANCELED)},
#endif
#ifdef EAI_FAIL
    {"EAI_FAIL", (lua_Integer)(EAI_FAIL)},
#endif
#ifdef EAI_FAMILY
    {"EAI_FAMILY", (lua_Integer)(EAI_FAMILY)},
#endif
#ifdef EAI_IDN_ENCODE
    {"EAI_IDN_ENCODE", (lua_Integer)(EAI_IDN_ENCODE)},
#endif
#ifdef EAI_INPROGRESS
    {"EAI_INPROGRESS", (lua_Integer)(EAI_INPROGRESS)},
#endif
#ifdef EAI_INTR
    {"EAI_INTR", (lua_Integer)(EAI_INTR)},
#endif
#ifdef EAI_MEMORY
    {"EAI_MEMORY", (lua_Integer)(EAI_MEMORY)},
#endif
#ifdef EAI_NODATA
    {"EAI_NODATA", (lua_Integer)(EAI_NODATA)},
#endif
#ifdef EAI_NONAME
    {"EAI_NONAME", (lua_Integer)(EAI_NONAME)},
#endif
#ifdef EAI_NOTCANCELED
    {"EAI_NOTCANCELED", (lua_Integer)(EAI_NOTCANCELED)},
#endif
#ifdef EAI_OVERFLOW
    {"EAI_OVERFLOW", (lua_Integer)(EAI_OVERFLOW)},
#endif
#ifdef EAI_SERVICE
    {"EAI_SERVICE", (lua_Integer)(EAI_SERVICE)},
#endif
#ifdef EAI_SOCKTYPE
    {"EAI_SOCKTYPE", (lua_Integer)(EAI_SOCKTYPE)},
#endif
#ifdef EAI_SYSTEM
    {"EAI_SYSTEM", (lua_Integer)(EAI_SYSTEM)},
#endif
#ifdef INADDR_ALLHOSTS_GROUP
    {"INADDR_ALLHOSTS_GROUP", (lua_Integer)(INADDR_ALLHOSTS_GROUP)},
#endif
#ifdef INADDR_ALLRTRS_GROUP
    {"INADDR_ALLRTRS_GROUP", (lua_Integer)(INADDR_ALLRTRS_GROUP)},
#endif
#ifdef INADDR_ALLSNOOPERS_GROUP
    {"INADDR_ALLSNOOPERS_GROUP", (lua_Integer)(INADDR_ALLSNOOPERS_GROUP)},
#endif
#ifdef INADDR_ANY
    {"INADDR_ANY", (lua_Integer)(INADDR_ANY)},
#endif
#ifdef INADDR_BROADCAST
    {"INADDR_BROADCAST", (lua_Integer)(INADDR_BROADCAST)},
#endif
#ifdef INADDR_DUMMY
    {"INADDR_DUMMY", (lua_Integer)(INADDR_DUMMY)},
#endif
#ifdef INADDR_LOOPBACK
    {"INADDR_LOOPBACK", (lua_Integer)(INADDR_LOOPBACK)},
#endif
#ifdef INADDR_MAX_LOCAL_GROUP
    {"INADDR_MAX_LOCAL_GROUP", (lua_Integer)(INADDR_MAX_LOCAL_GROUP)},
#endif
#ifdef INADDR_NONE
    {"INADDR_NONE", (lua_Integer)(INADDR_NONE)},
#endif
#ifdef INADDR_UNSPEC_GROUP
    {"INADDR_UNSPEC_GROUP", (lua_Integer)(INADDR_UNSPEC_GROUP)},
#endif
#ifdef IPPORT_RESERVED
    {"IPPORT_RESERVED", (lua_Integer)(IPPORT_RESERVED)},
#endif
#ifdef IPPORT_USERRESERVED
    {"IPPORT_USERRESERVED", (lua_Integer)(IPPORT_USERRESERVED)},
#endif
#ifdef IPPROTO_AH
    {"IPPROTO_AH", (lua_Integer)(IPPROTO_AH)},
#endif
#ifdef IPPROTO_BEETPH
    {"IPPROTO_BEETPH", (lua_Integer)(IPPROTO_BEETPH)},
#endif
#ifdef IPPROTO_COMP
    {"IPPROTO_COMP", (lua_Integer)(IPPROTO_COMP)},
#endif
#ifdef IPPROTO_DCCP
    {"IPPROTO_DCCP", (lua_Integer)(IPPROTO_DCCP)},
#endif
#ifdef IPPROTO_DSTOPTS
    {"IPPROTO_DSTOPTS", (lua_Integer)(IPPROTO_DSTOPTS)},
#endif
#ifdef IPPROTO_EGP
    {"IPPROTO_EGP", (lua_Integer)(IPPROTO_EGP)},
#endif
#ifdef IPPROTO_ENCAP
    {"IPPROTO_ENCAP", (lua_Integer)(IPPROTO_ENCAP)},
#endif
#ifdef IPPROTO_ESP
    {"IPPROTO_ESP", (lua_Integer)(IPPROTO_ESP)},
#endif
#ifdef IPPROTO_ETHERNET
    {"IPPROTO_ETHERNET", (lua_Integer)(IPPROTO_ETHERNET)},
#endif
#ifdef IPPROTO_FRAGMENT
    {"IPPROTO_FRAGMENT", (lua_Integer)(IPPROTO_FRAGMENT)},
#endif
#ifdef IPPROTO_GRE
    {"IPPROTO_GRE", (lua_Integer)(IPPROTO_GRE)},
#endif
#ifdef IPPROTO_HOPOPTS
    {"IPPROTO_HOPOPTS", (lua_Integer)(IPPROTO_HOPOPTS)},
#endif
#ifdef IPPROTO_ICMP
    {"IPPROTO_ICMP", (lua_Integer)(IPPROTO_ICMP)},
#endif
#ifdef IPPROTO_ICMPV6
    {"IPPROTO_ICMPV6", (lua_Integer)(IPPROTO_ICMPV6)},
#endif
#ifdef IPPROTO_IDP
    {"IPPROTO_IDP", (lua_Integer)(IPPROTO_IDP)},
#endif
#ifdef IPPROTO_IGMP
    {"IPPROTO_IGMP", (lua_Integer)(IPPROTO_IGMP)},
#endif
#ifdef IPPROTO_IP
    {"IPPROTO_IP", (lua_Integer)(IPPROTO_IP)},
#endif
#ifdef IPPROTO_IPIP
    {"IPPROTO_IPIP", (lua_Integer)(IPPROTO_IPIP)},
#endif
#ifdef IPPROTO_IPV6
    {"IPPROTO_IPV6", (lua_Integer)(IPPROTO_IPV6)},
#endif
#ifdef IPPROTO_MH
    {"IPPROTO_MH", (lua_Integer)(IPPROTO_MH)},
#endif
#ifdef IPPROTO_MPLS
    {"IPPROTO_MPLS", (lua_Integer)(IPPROTO_MPLS)},
#endif
#ifdef IPPROTO_MPTCP
    {"IPPROTO_MPTCP", (lua_Integer)(IPPROTO_MPTCP)},
#endif
#ifdef IPPROTO_MTP
    {"IPPROTO_MTP", (lua_Integer)(IPPROTO_MTP)},
#endif
#ifdef IPPROTO_NONE
    {"IPPROTO_NONE", (lua_Integer)(IPPROTO_NONE)},
#endif
#ifdef IPPROTO_PIM
    {"IPPROTO_PIM", (lua_Integer)(IPPROTO_PIM)},
#endif
#ifdef IPPROTO_PUP
    {"IPPROTO_PUP", (lua_Integer)(IPPROTO_PUP)},
#endif
#ifdef IPPROTO_RAW
    {"IPPROTO_RAW", (lua_Integer)(IPPROTO_RAW)},
#endif
#ifdef IPPROTO_ROUTING
    {"IPPROTO_ROUTING", (lua_Integer)(IPPROTO_ROUTING)},
#endif
#ifdef IPPROTO_RSVP
    {"IPPROTO_RSVP", (lua_Integer)(IPPROTO_RSVP)},
#endif
#ifdef IPPROTO_SCTP
    {"IPPROTO_SCTP", (lua_Integer)(IPPROTO_SCTP)},
#endif
#ifdef IPPROTO_TCP
    {"IPPROTO_TCP", (lua_Integer)(IPPROTO_TCP)},
#endif
#ifdef IPPROTO_TP
    {"IPPROTO_TP", (lua_Integer)(IPPROTO_TP)},
#endif
#ifdef IPPROTO_UDP
    {"IPPROTO_UDP", (lua_Integer)(IPPROTO_UDP)},
#endif
#ifdef IPPROTO_UDPLITE
    {"IPPROTO_UDPLITE", (lua_Integer)(IPPROTO_UDPLITE)},
#endif
#ifdef IPV6_2292DSTOPTS
    {"IPV6_2292DSTOPTS", (lua_Integer)(IPV6_2292DSTOPTS)},
#endif
#ifdef IPV6_2292HOPLIMIT
    {"IPV6_2292HOPLIMIT", (lua_Integer)(IPV6_2292HOPLIMIT)},
#endif
#ifdef IPV6_2292HOPOPTS
    {"IPV6_2292HOPOPTS", (lua_Integer)(IPV6_2292HOPOPTS)},
#endif
#ifdef IPV6_2292PKTINFO
    {"IPV6_2292PKTINFO", (lua_Integer)(IPV6_2292PKTINFO)},
#endif
#ifdef IPV6_2292PKTOPTIONS
    {"IPV6_2292PKTOPTIONS", (lua_Integer)(IPV6_2292PKTOPTIONS)},
#endif
#ifdef IPV6_2292RTHDR
    {"IPV6_2292RTHDR", (lua_Integer)(IPV6_2292RTHDR)},
#endif
#ifdef IPV6_ADDRFORM
    {"IPV6_ADDRFORM", (lua_Integer)(IPV6_ADDRFORM)},
#endif
#ifdef IPV6_ADDR_PREFERENCES
    {"IPV6_ADDR_PREFERENCES", (lua_Integer)(IPV6_ADDR_PREFERENCES)},
#endif
#ifdef IPV6_ADD_MEMBERSHIP
    {"IPV6_ADD_MEMBERSHIP", (lua_Integer)(IPV6_ADD_MEMBERSHIP)},
#endif
#ifdef IPV6_AUTHHDR
    {"IPV6_AUTHHDR", (lua_Integer)(IPV6_AUTHHDR)},
#endif
#ifdef IPV6_AUTOFLOWLABEL
    {"IPV6_AUTOFLOWLABEL", (lua_Integer)(IPV6_AUTOFLOWLABEL)},
#endif
#ifdef IPV6_CHECKSUM
    {"IPV6_CHECKSUM", (lua_Integer)(IPV6_CHECKSUM)},
#endif
#ifdef IPV6_DONTFRAG
    {"IPV6_DONTFRAG", (lua_Integer)(IPV6_DONTFRAG)},
#endif
#ifdef IPV6_DROP_MEMBERSHIP
    {"IPV6_DROP_MEMBERSHIP", (lua_Integer)(IPV6_DROP_MEMBERSHIP)},
#endif
#ifdef IPV6_DSTOPTS
    {"IPV6_DSTOPTS", (lua_Integer)(IPV6_DSTOPTS)},
#endif
#ifdef IPV6_FREEBIND
    {"IPV6_FREEBIND", (lua_Integer)(IPV6_FREEBIND)},
#endif
#ifdef IPV6_HDRINCL
    {"IPV6_HDRINCL", (lua_Integer)(IPV6_HDRINCL)},
#endif
#ifdef IPV6_HOPLIMIT
    {"IPV6_HOPLIMIT", (lua_Integer)(IPV6_HOPLIMIT)},
#endif
#ifdef IPV6_HOPOPTS
    {"IPV6_HOPOPTS", (lua_Integer)(IPV6_HOPOPTS)},
#endif
#ifdef IPV6_IPSEC_POLICY
    {"IPV6_IPSEC_POLICY", (lua_Integer)(IPV6_IPSEC_POLICY)},
#endif
#ifdef IPV6_JOIN_ANYCAST
    {"IPV6_JOIN_ANYCAST", (lua_Integer)(IPV6_JOIN_ANYCAST)},
#endif
#ifdef IPV6_JOIN_GROUP
    {"IPV6_JOIN_GROUP", (lua_Integer)(IPV6_JOIN_GROUP)},
#endif
#ifdef IPV6_LEAVE_ANYCAST
    {"IPV6_LEAVE_ANYCAST", (lua_Integer)(IPV6_LEAVE_ANYCAST)},
#endif
#ifdef IPV6_LEAVE_GROUP
    {"IPV6_LEAVE_GROUP", (lua_Integer)(IPV6_LEAVE_GROUP)},
#endif
#ifdef IPV6_MINHOPCOUNT
    {"IPV6_MINHOPCOUNT", (lua_Integer)(IPV6_MINHOPCOUNT)},
#endif
#ifdef IPV6_MTU
    {"IPV6_MTU", (lua_Integer)(IPV6_MTU)},
#endif
#ifdef IPV6_MTU_DISCOVER
    {"IPV6_MTU_DISCOVER", (lua_Integer)(IPV6_MTU_DISCOVER)},
#endif
#ifdef IPV6_MULTICAST_ALL
    {"IPV6_MULTICAST_ALL", (lua_Integer)(IPV6_MULTICAST_ALL)},
#endif
#ifdef IPV6_MULTICAST_HOPS
    {"IPV6_MULTICAST_HOPS", (lua_Integer)(IPV6_MULTICAST_HOPS)},
#endif
#ifdef IPV6_MULTICAST_IF
    {"IPV6_MULTICAST_IF", (lua_Integer)(IPV6_MULTICAST_IF)},
#endif
#ifdef IPV6_MULTICAST_LOOP
    {"IPV6_MULTICAST_LOOP", (lua_Integer)(IPV6_MULTICAST_LOOP)},
#endif
#ifdef IPV6_NEXTHOP
    {"IPV6_NEXTHOP", (lua_Integer)(IPV6_NEXTHOP)},
#endif
#ifdef IPV6_ORIGDSTADDR
    {"IPV6_ORIGDSTADDR", (lua_Integer)(IPV6_ORIGDSTADDR)},
#endif
#ifdef IPV6_PATHMTU
    {"IPV6_PATHMTU", (lua_Integer)(IPV6_PATHMTU)},
#endif
#ifdef IPV6_PKTINFO
    {"IPV6_PKTINFO", (lua_Integer)(IPV6_PKTINFO)},
#endif
#ifdef IPV6_PMTUDISC_DO
    {"IPV6_PMTUDISC_DO", (lua_Integer)(IPV6_PMTUDISC_DO)},
#endif
#ifdef IPV6_PMTUDISC_DONT
    {"IPV6_PMTUDISC_DONT", (lua_Integer)(IPV6_PMTUDISC_DONT)},
#endif
#ifdef IPV6_PMTUDISC_INTERFACE
    {"IPV6_PMTUDISC_INTERFACE", (lua_Integer)(IPV6_PMTUDISC_INTERFACE)},
#endif
#ifdef IPV6_PMTUDISC_OMIT
    {"IPV6_PMTUDISC_OMIT", (lua_Integer)(IPV6_PMTUDISC_OMIT)},
#endif
#ifdef IPV6_PMTUDISC_PROBE
    {"IPV6_PMTUDISC_PROBE", (lua_Integer)(IPV6_PMTUDISC_PROBE)},
#endif
#ifdef IPV6_PMTUDISC_WANT
    {"IPV6_PMTUDISC_WANT", (lua_Integer)(IPV6_PMTUDISC_WANT)},
#endif
#ifdef IPV6_RECVDSTOPTS
    {"IPV6_RECVDSTOPTS", (lua_Integer)(IPV6_RECVDSTOPTS)},
#endif
#ifdef IPV6_RECVERR
    {"IPV6_RECVERR", (lua_Integer)(IPV6_RECVERR)},
#endif
#ifdef IPV6_RECVERR_RFC4884
    {"IPV6_RECVERR_RFC4884", (lua_Integer)(IPV6_RECVERR_RFC4884)},
#endif
#ifdef IPV6_RECVFRAGSIZE
    {"IPV6_RECVFRAGSIZE", (lua_Integer)(IPV6_RECVFRAGSIZE)},
#endif
#ifdef IPV6_RECVHOPLIMIT
    {"IPV6_RECVHOPLIMIT", (lua_Integer)(IPV6_RECVHOPLIMIT)},
#endif
#ifdef IPV6_RECVHOPOPTS
    {"IPV6_RECVHOPOPTS", (lua_Integer)(IPV6_RECVHOPOPTS)},
#endif
#ifdef IPV6_RECVORIGDSTADDR
    {"IPV6_RECVORIGDSTADDR", (lua_Integer)(IPV6_RECVORIGDSTADDR)},
#endif
#ifdef IPV6_RECVPATHMTU
    {"IPV6_RECVPATHMTU", (lua_Integer)(IPV6_RECVPATHMTU)},
#endif
#ifdef IPV6_RECVPKTINFO
    {"IPV6_RECVPKTINFO", (lua_Integer)(IPV6_RECVPKTINFO)},
#endif
#ifdef IPV6_RECVRTHDR
    {"IPV6_RECVRTHDR", (lua_Integer)(IPV6_RECVRTHDR)},
#endif
#ifdef IPV6_RECVTCLASS
    {"IPV6_RECVTCLASS", (lua_Integer)(IPV6_RECVTCLASS)},
#endif
#ifdef IPV6_ROUTER_ALERT
    {"IPV6_ROUTER_ALERT", (lua_Integer)(IPV6_ROUTER_ALERT)},
#endif
#ifdef IPV6_ROUTER_ALERT_ISOLATE
    {"IPV6_ROUTER_ALERT_ISOLATE", (lua_Integer)(IPV6_ROUTER_ALERT_ISOLATE)},
#endif
#ifdef IPV6_RTHDR
    {"IPV6_RTHDR", (lua_Integer)(IPV6_RTHDR)},
#endif
#ifdef IPV6_RTHDRDSTOPTS
    {"IPV6_RTHDRDSTOPTS", (lua_Integer)(IPV6_RTHDRDSTOPTS)},
#endif
#ifdef IPV6_RTHDR_LOOSE
    {"IPV6_RTHDR_LOOSE", (lua_Integer)(IPV6_RTHDR_LOOSE)},
#endif
#ifdef IPV6_RTHDR_STRICT
    {"IPV6_RTHDR_STRICT", (lua_Integer)(IPV6_RTHDR_STRICT)},
#endif
#ifdef IPV6_RTHDR_TYPE_0
    {"IPV6_RTHDR_TYPE_0", (lua_Integer)(IPV6_RTHDR_TYPE_0)},
#endif
#ifdef IPV6_RXDSTOPTS
    {"IPV6_RXDSTOPTS", (lua_Integer)(IPV6_RXDSTOPTS)},
#endif
#ifdef IPV6_RXHOPOPTS
    {"IPV6_RXHOPOPTS", (lua_Integer)(IPV6_RXHOPOPTS)},
#endif
#ifdef IPV6_TCLASS
    {"IPV6_TCLASS", (lua_Integer)(IPV6_TCLASS)},
#endif
#ifdef IPV6_TRANSPARENT
    {"IPV6_TRANSPARENT", (lua_Integer)(IPV6_TRANSPARENT)},
#endif
#ifdef IPV6_UNICAST_HOPS
    {"IPV6_UNICAST_HOPS", (lua_Integer)(IPV6_UNICAST_HOPS)},
#endif
#ifdef IPV6_UNICAST_IF
    {"IPV6_UNICAST_IF", (lua_Integer)(IPV6_UNICAST_IF)},
#endif
#ifdef IPV6_V6ONLY
    {"IPV6_V6ONLY", (lua_Integer)(IPV6_V6ONLY)},
#endif
#ifdef IPV6_XFRM_POLICY
    {"IPV6_XFRM_POLICY", (lua_Integer)(IPV6_XFRM_POLICY)},
#endif
#ifdef IP_ADD_MEMBERSHIP
    {"IP_ADD_MEMBERSHIP", (lua_Integer)(IP_ADD_MEMBERSHIP)},
#endif
#ifdef IP_ADD_SOURCE_MEMBERSHIP
    {"IP_ADD_SOURCE_MEMBERSHIP", (lua_Integer)(IP_ADD_SOURCE_MEMBERSHIP)},
#endif
#ifdef IP_BIND_ADDRESS_NO_PORT
    {"IP_BIND_ADDRESS_NO_PORT", (lua_Integer)(IP_BIND_ADDRESS_NO_PORT)},
#endif
#ifdef IP_BLOCK_SOURCE
    {"IP_BLOCK_SOURCE", (lua_Integer)(IP_BLOCK_SOURCE)},
#endif
#ifdef IP_CHECKSUM
    {"IP_CHECKSUM", (lua_Integer)(IP_CHECKSUM)},
#endif
#ifdef IP_DEFAULT_MULTICAST_LOOP
    {"IP_DEFAULT_MULTICAST_LOOP", (lua_Integer)(IP_DEFAULT_MULTICAST_LOOP)},
#endif
#ifdef IP_DEFAULT_MULTICAST_TTL
    {"IP_DEFAULT_MULTICAST_TTL", (lua_Integer)(IP_DEFAULT_MULTICAST_TTL)},
#endif
#ifdef IP_DROP_MEMBERSHIP
    {"IP_DROP_MEMBERSHIP", (lua_Integer)(IP_DROP_MEMBERSHIP)},
#endif
#ifdef IP_DROP_SOURCE_MEMBERSHIP
    {"IP_DROP_SOURCE_MEMBERSHIP", (lua_Integer)(IP_DROP_SOURCE_MEMBERSHIP)},
#endif
#ifdef IP_FREEBIND
    {"IP_FREEBIND", (lua_Integer)(IP_FREEBIND)},
#endif
#ifdef IP_HDRINCL
    {"IP_HDRINCL", (lua_Integer)(IP_HDRINCL)},
#endif
#ifdef IP_IPSEC_POLICY
    {"IP_IPSEC_POLICY", (lua_Integer)(IP_IPSEC_POLICY)},
#endif
#ifdef IP_MAX_MEMBERSHIPS
    {"IP_MAX_MEMBERSHIPS", (lua_Integer)(IP_MAX_MEMBERSHIPS)},
#endif
#ifdef IP_MINTTL
    {"IP_MINTTL", (lua_Integer)(IP_MINTTL)},
#endif
#ifdef IP_MSFILTER
    {"IP_MSFILTER", (lua_Integer)(IP_MSFILTER)},
#endif
#ifdef IP_MTU
    {"IP_MTU", (lua_Integer)(IP_MTU)},
#endif
#ifdef IP_MTU_DISCOVER
    {"IP_MTU_DISCOVER", (lua_Integer)(IP_MTU_DISCOVER)},
#endif
#ifdef IP_MULTICAST_ALL
    {"IP_MULTICAST_ALL", (lua_Integer)(IP_MULTICAST_ALL)},
#endif
#ifdef IP_MULTICAST_IF
    {"IP_MULTICAST_IF", (lua_Integer)(IP_MULTICAST_IF)},
#endif
#ifdef IP_MULTICAST_LOOP
    {"IP_MULTICAST_LOOP", (lua_Integer)(IP_MULTICAST_LOOP)},
#endif
#ifdef IP_MULTICAST_TTL
    {"IP_MULTICAST_TTL", (lua_Integer)(IP_MULTICAST_TTL)},
#endif
#ifdef IP_NODEFRAG
    {"IP_NODEFRAG", (lua_Integer)(IP_NODEFRAG)},
#endif
#ifdef IP_OPTIONS
    {"IP_OPTIONS", (lua_Integer)(IP_OPTIONS)},
#endif
#ifdef IP_ORIGDSTADDR
    {"IP_ORIGDSTADDR", (lua_Integer)(IP_ORIGDSTADDR)},
#endif
#ifdef IP_PASSSEC
    {"IP_PASSSEC", (lua_Integer)(IP_PASSSEC)},
#endif
#ifdef IP_PKTINFO
    {"IP_PKTINFO", (lua_Integer)(IP_PKTINFO)},
#endif
#ifdef IP_PKTOPTIONS
    {"IP_PKTOPTIONS", (lua_Integer)(IP_PKTOPTIONS)},
#endif
#ifdef IP_PMTUDISC
    {"IP_PMTUDISC", (lua_Integer)(IP_PMTUDISC)},
#endif
#ifdef IP_PMTUDISC_DO
    {"IP_PMTUDISC_DO", (lua_Integer)(IP_PMTUDISC_DO)},
#endif
#ifdef IP_PMTUDISC_DONT
    {"IP_PMTUDISC_DONT", (lua_Integer)(IP_PMTUDISC_DONT)},
#endif
#ifdef IP_PMTUDISC_INTERFACE
    {"IP_PMTUDISC_INTERFACE", (lua_Integer)(IP_PMTUDISC_INTERFACE)},
#endif
#ifdef IP_PMTUDISC_OMIT
    {"IP_PMTUDISC_OMIT", (lua_Integer)(IP_PMTUDISC_OMIT)},
#endif
#ifdef IP_PMTUDISC_PROBE
    {"IP_PMTUDISC_PROBE", (lua_Integer)(IP_PMTUDISC_PROBE)},
#endif
#ifdef IP_PMTUDISC_WANT
    {"IP_PMTUDISC_WANT", (lua_Integer)(IP_PMTUDISC_WANT)},
#endif
#ifdef IP_RECVERR
    {"IP_RECVERR", (lua_Integer)(IP_RECVERR)},
#endif
#ifdef IP_RECVERR_RFC4884
    {"IP_RECVERR_RFC4884", (lua_Integer)(IP_RECVERR_RFC4884)},
#endif
#ifdef IP_RECVFRAGSIZE
    {"IP_RECVFRAGSIZE", (lua_Integer)(IP_RECVFRAGSIZE)},
#endif
#ifdef IP_RECVOPTS
    {"IP_RECVOPTS", (lua_Integer)(IP_RECVOPTS)},
#endif
#ifdef IP_RECVORIGDSTADDR
    {"IP_RECVORIGDSTADDR", (lua_Integer)(IP_RECVORIGDSTADDR)},
#endif
#ifdef IP_RECVRETOPTS
    {"IP_RECVRETOPTS", (lua_Integer)(IP_RECVRETOPTS)},
#endif
#ifdef IP_RECVTOS
    {"IP_RECVTOS", (lua_Integer)(IP_RECVTOS)},
#endif
#ifdef IP_RECVTTL
    {"IP_RECVTTL", (lua_Integer)(IP_RECVTTL)},
#endif
#ifdef IP_RETOPTS
    {"IP_RETOPTS", (lua_Integer)(IP_RETOPTS)},
#endif
#ifdef IP_ROUTER_ALERT
    {"IP_ROUTER_ALERT", (lua_Integer)(IP_ROUTER_ALERT)},
#endif
#ifdef IP_TOS
    {"IP_TOS", (lua_Integer)(IP_TOS)},
#endif
#ifdef IP_TRANSPARENT
    {"IP_TRANSPARENT", (lua_Integer)(IP_TRANSPARENT)},
#endif
#ifdef IP_TTL
    {"IP_TTL", (lua_Integer)(IP_TTL)},
#endif
#ifdef IP_UNBLOCK_SOURCE
    {"IP_UNBLOCK_SOURCE", (lua_Integer)(IP_UNBLOCK_SOURCE)},
#endif
#ifdef IP_UNICAST_IF
    {"IP_UNICAST_IF", (lua_Integer)(IP_UNICAST_IF)},
#endif
#ifdef IP_XFRM_POLICY
    {"IP_XFRM_POLICY", (lua_Integer)(IP_XFRM_POLICY)},
#endif
#ifdef J1939_EE_INFO_NONE
    {"J1939_EE_INFO_NONE", (lua_Integer)(J1939_EE_INFO_NONE)},
#endif
#ifdef J1939_EE_INFO_TX_ABORT
    {"J1939_EE_INFO_TX_ABORT", (lua_Integer)(J1939_EE_INFO_TX_ABORT)},
#endif
#ifdef J1939_FILTER_MAX
    {"J1939_FILTER_MAX", (lua_Integer)(J1939_FILTER_MAX)},
#endif
#ifdef J1939_IDLE_ADDR
    {"J1939_IDLE_ADDR", (lua_Integer)(J1939_IDLE_ADDR)},
#endif
#ifdef J1939_MAX_UNICAST_ADDR
    {"J1939_MAX_UNICAST_ADDR", (lua_Integer)(J1939_MAX_UNICAST_ADDR)},
#endif
#ifdef J1939_NLA_BYTES_ACKED
    {"J1939_NLA_BYTES_ACKED", (lua_Integer)(J1939_NLA_BYTES_ACKED)},
#endif
#ifdef J1939_NLA_PAD
    {"J1939_NLA_PAD", (lua_Integer)(J1939_NLA_PAD)},
#endif
#ifdef J1939_NO_ADDR
    {"J1939_NO_ADDR", (lua_Integer)(J1939_NO_ADDR)},
#endif
#ifdef J1939_NO_NAME
    {"J1939_NO_NAME", (lua_Integer)(J1939_NO_NAME)},
#endif
#ifdef J1939_NO_PGN
    {"J1939_NO_PGN", (lua_Integer)(J1939_NO_PGN)},
#endif
#ifdef J1939_PGN_ADDRESS_CLAIMED
    {"J1939_PGN_ADDRESS_CLAIMED", (lua_Integer)(J1939_PGN_ADDRESS_CLAIMED)},
#endif
#ifdef J1939_PGN_ADDRESS_COMMANDED
    {"J1939_PGN_ADDRESS_COMMANDED", (lua_Integer)(J1939_PGN_ADDRESS_COMMANDED)},
#endif
#ifdef J1939_PGN_MAX
    {"J1939_PGN_MAX", (lua_Integer)(J1939_PGN_MAX)},
#endif
#ifdef J1939_PGN_PDU1_MAX
    {"J1939_PGN_PDU1_MAX", (lua_Integer)(J1939_PGN_PDU1_MAX)},
#endif
#ifdef J1939_PGN_REQUEST
    {"J1939_PGN_REQUEST", (lua_Integer)(J1939_PGN_REQUEST)},
#endif
#ifdef MSG_BATCH
    {"MSG_BATCH", (lua_Integer)(MSG_BATCH)},
#endif
#ifdef MSG_CMSG_CLOEXEC
    {"MSG_CMSG_CLOEXEC", (lua_Integer)(MSG_CMSG_CLOEXEC)},
#endif
#ifdef MSG_CONFIRM
    {"MSG_CONFIRM", (lua_Integer)(MSG_CONFIRM)},
#endif
#ifdef MSG_CTRUNC
    {"MSG_CTRUNC", (lua_Integer)(MSG_CTRUNC)},
#endif
#ifdef MSG_DONTROUTE
    {"MSG_DONTROUTE", (lua_Integer)(MSG_DONTROUTE)},
#endif
#ifdef MSG_DONTWAIT
    {"MSG_DONTWAIT", (lua_Integer)(MSG_DONTWAIT)},
#endif
#ifdef MSG_EOR
    {"MSG_EOR", (lua_Integer)(MSG_EOR)},
#endif
#ifdef MSG_ERRQUEUE
    {"MSG_ERRQUEUE", (lua_Integer)(MSG_ERRQUEUE)},
#endif
#ifdef MSG_FASTOPEN
    {"MSG_FASTOPEN", (lua_Integer)(MSG_FASTOPEN)},
#endif
#ifdef MSG_FIN
    {"MSG_FIN", (lua_Integer)(MSG_FIN)},
#endif
#ifdef MSG_MORE
    {"MSG_MORE", (lua_Integer)(MSG_MORE)},
#endif
#ifdef MSG_NOSIGNAL
    {"MSG_NOSIGNAL", (lua_Integer)(MSG_NOSIGNAL)},
#endif
#ifdef MSG_OOB
    {"MSG_OOB", (lua_Integer)(MSG_OOB)},
#endif
#ifdef MSG_PEEK
    {"MSG_PEEK", (lua_Integer)(MSG_PEEK)},
#endif
#ifdef MSG_PROXY
    {"MSG_PROXY", (lua_Integer)(MSG_PROXY)},
#endif
#ifdef MSG_RST
    {"MSG_RST", (lua_Integer)(MSG_RST)},
#endif
#ifdef MSG_SYN
    {"MSG_SYN", (lua_Integer)(MSG_SYN)},
#endif
#ifdef MSG_TRUNC
    {"MSG_TRUNC", (lua_Integer)(MSG_TRUNC)},
#endif
#ifdef MSG_TRYHARD
    {"MSG_TRYHARD", (lua_Integer)(MSG_TRYHARD)},
#endif
#ifdef MSG_WAITALL
    {"MSG_WAITALL", (lua_Integer)(MSG_WAITALL)},
#endif
#ifdef MSG_WAITFORONE
    {"MSG_WAITFORONE", (lua_Integer)(MSG_WAITFORONE)},
#endif
#ifdef MSG_ZEROCOPY
    {"MSG_ZEROCOPY", (lua_Integer)(MSG_ZEROCOPY)},
#endif
#ifdef NETLINK_ADD_MEMBERSHIP
    {"NETLINK_ADD_MEMBERSHIP", (lua_Integer)(NETLINK_ADD_MEMBERSHIP)},
#endif
#ifdef NETLINK_AUDIT
    {"NETLINK_AUDIT", (lua_Integer)(NETLINK_AUDIT)},
#endif
#ifdef NETLINK_BROADCAST_ERROR
    {"NETLINK_BROADCAST_ERROR", (lua_Integer)(NETLINK_BROADCAST_ERROR)},
#endif
#ifdef NETLINK_CAP_ACK
    {"NETLINK_CAP_ACK", (lua_Integer)(NETLINK_CAP_ACK)},
#endif
#ifdef NETLINK_CONNECTOR
    {"NETLINK_CONNECTOR", (lua_Integer)(NETLINK_CONNECTOR)},
#endif
#ifdef NETLINK_CRYPTO
    {"NETLINK_CRYPTO", (lua_Integer)(NETLINK_CRYPTO)},
#endif
#ifdef NETLINK_DNRTMSG
    {"NETLINK_DNRTMSG", (lua_Integer)(NETLINK_DNRTMSG)},
#endif
#ifdef NETLINK_DROP_MEMBERSHIP
    {"NETLINK_DROP_MEMBERSHIP", (lua_Integer)(NETLINK_DROP_MEMBERSHIP)},
#endif
#ifdef NETLINK_ECRYPTFS
    {"NETLINK_ECRYPTFS", (lua_Integer)(NETLINK_ECRYPTFS)},
#endif
#ifdef NETLINK_EXT_ACK
    {"NETLINK_EXT_ACK", (lua_Integer)(NETLINK_EXT_ACK)},
#endif
#ifdef NETLINK_FIB_LOOKUP
    {"NETLINK_FIB_LOOKUP", (lua_Integer)(NETLINK_FIB_LOOKUP)},
#endif
#ifdef NETLINK_FIREWALL
    {"NETLINK_FIREWALL", (lua_Integer)(NETLINK_FIREWALL)},
#endif
#ifdef NETLINK_GENERIC
    {"NETLINK_GENERIC", (lua_Integer)(NETLINK_GENERIC)},
#endif
#ifdef NETLINK_GET_STRICT_CHK
    {"NETLINK_GET_STRICT_CHK", (lua_Integer)(NETLINK_GET_STRICT_CHK)},
#endif
#ifdef NETLINK_INET_DIAG
    {"NETLINK_INET_DIAG", (lua_Integer)(NETLINK_INET_DIAG)},
#endif
#ifdef NETLINK_IP6_FW
    {"NETLINK_IP6_FW", (lua_Integer)(NETLINK_IP6_FW)},
#endif
#ifdef NETLINK_ISCSI
    {"NETLINK_ISCSI", (lua_Integer)(NETLINK_ISCSI)},
#endif
#ifdef NETLINK_KOBJECT_UEVENT
    {"NETLINK_KOBJECT_UEVENT", (lua_Integer)(NETLINK_KOBJECT_UEVENT)},
#endif
#ifdef NETLINK_LISTEN_ALL_NSID
    {"NETLINK_LISTEN_ALL_NSID", (lua_Integer)(NETLINK_LISTEN_ALL_NSID)},
#endif
#ifdef NETLINK_LIST_MEMBERSHIPS
    {"NETLINK_LIST_MEMBERSHIPS", (lua_Integer)(NETLINK_LIST_MEMBERSHIPS)},
#endif
#ifdef NETLINK_NETFILTER
    {"NETLINK_NETFILTER", (lua_Integer)(NETLINK_NETFILTER)},
#endif
#ifdef NETLINK_NFLOG
    {"NETLINK_NFLOG", (lua_Integer)(NETLINK_NFLOG)},
#endif
#ifdef NETLINK_NO_ENOBUFS
    {"NETLINK_NO_ENOBUFS", (lua_Integer)(NETLINK_NO_ENOBUFS)},
#endif
#ifdef NETLINK_PKTINFO
    {"NETLINK_PKTINFO", (lua_Integer)(NETLINK_PKTINFO)},
#endif
#ifdef NETLINK_RDMA
    {"NETLINK_RDMA", (lua_Integer)(NETLINK_RDMA)},
#endif
#ifdef NETLINK_ROUTE
    {"NETLINK_ROUTE", (lua_Integer)(NETLINK_ROUTE)},
#endif
#ifdef NETLINK_RX_RING
    {"NETLINK_RX_RING", (lua_Integer)(NETLINK_RX_RING)},
#endif
#ifdef NETLINK_SCSITRANSPORT
    {"NETLINK_SCSITRANSPORT", (lua_Integer)(NETLINK_SCSITRANSPORT)},
#endif
#ifdef NETLINK_SELINUX
    {"NETLINK_SELINUX", (lua_Integer)(NETLINK_SELINUX)},
#endif
#ifdef NETLINK_SMC
    {"NETLINK_SMC", (lua_Integer)(NETLINK_SMC)},
#endif
#ifdef NETLINK_SOCK_DIAG
    {"NETLINK_SOCK_DIAG", (lua_Integer)(NETLINK_SOCK_DIAG)},
#endif
#ifdef NETLINK_TX_RING
    {"NETLINK_TX_RING", (lua_Integer)(NETLINK_TX_RING)},
#endif
#ifdef NETLINK_UNUSED
    {"NETLINK_UNUSED", (lua_Integer)(NETLINK_UNUSED)},
#endif
#ifdef NETLINK_USERSOCK
    {"NETLINK_USERSOCK", (lua_Integer)(NETLINK_USERSOCK)},
#endif
#ifdef NETLINK_XFRM
    {"NETLINK_XFRM", (lua_Integer)(NETLINK_XFRM)},
#endif
#ifdef NI_DGRAM
    {"NI_DGRAM", (lua_Integer)(NI_DGRAM)},
#endif
#ifdef NI_IDN
    {"NI_IDN", (lua_Integer)(NI_IDN)},
#endif
#ifdef NI_MAXHOST
    {"NI_MAXHOST", (lua_Integer)(NI_MAXHOST)},
#endif
#ifdef NI_MAXSERV
    {"NI_MAXSERV", (lua_Integer)(NI_MAXSERV)},
#endif
#ifdef NI_NAMEREQD
    {"NI_NAMEREQD", (lua_Integer)(NI_NAMEREQD)},
#endif
#ifdef NI_NOFQDN
    {"NI_NOFQDN", (lua_Integer)(NI_NOFQDN)},
#endif
#ifdef NI_NUMERICHOST
    {"NI_NUMERICHOST", (lua_Integer)(NI_NUMERICHOST)},
#endif
#ifdef NI_NUMERICSERV
    {"NI_NUMERICSERV", (lua_Integer)(NI_NUMERICSERV)},
#endif
#ifdef PACKET_ADD_MEMBERSHIP
    {"PACKET_ADD_MEMBERSHIP", (lua_Integer)(PACKET_ADD_MEMBERSHIP)},
#endif
#ifdef PACKET_AUXDATA
    {"PACKET_AUXDATA", (lua_Integer)(PACKET_AUXDATA)},
#endif
#ifdef PACKET_BROADCAST
    {"PACKET_BROADCAST", (lua_Integer)(PACKET_BROADCAST)},
#endif
#ifdef PACKET_COPY_THRESH
    {"PACKET_COPY_THRESH", (lua_Integer)(PACKET_COPY_THRESH)},
#endif
#ifdef PACKET_DROP_MEMBERSHIP
    {"PACKET_DROP_MEMBERSHIP", (lua_Integer)(PACKET_DROP_MEMBERSHIP)},
#endif
#ifdef PACKET_FANOUT
    {"PACKET_FANOUT", (lua_Integer)(PACKET_FANOUT)},
#endif
#ifdef PACKET_FANOUT_CBPF
    {"PACKET_FANOUT_CBPF", (lua_Integer)(PACKET_FANOUT_CBPF)},
#endif
#ifdef PACKET_FANOUT_CPU
    {"PACKET_FANOUT_CPU", (lua_Integer)(PACKET_FANOUT_CPU)},
#endif
#ifdef PACKET_FANOUT_DATA
    {"PACKET_FANOUT_DATA", (lua_Integer)(PACKET_FANOUT_DATA)},
#endif
#ifdef PACKET_FANOUT_EBPF
    {"PACKET_FANOUT_EBPF", (lua_Integer)(PACKET_FANOUT_EBPF)},
#endif
#ifdef PACKET_FANOUT_FLAG_DEFRAG
    {"PACKET_FANOUT_FLAG_DEFRAG", (lua_Integer)(PACKET_FANOUT_FLAG_DEFRAG)},
#endif
#ifdef PACKET_FANOUT_FLAG_ROLLOVER
    {"PACKET_FANOUT_FLAG_ROLLOVER", (lua_Integer)(PACKET_FANOUT_FLAG_ROLLOVER)},
#endif
#ifdef PACKET_FANOUT_FLAG_UNIQUEID
    {"PACKET_FANOUT_FLAG_UNIQUEID", (lua_Integer)(PACKET_FANOUT_FLAG_UNIQUEID)},
#endif
#ifdef PACKET_FANOUT_HASH
    {"PACKET_FANOUT_HASH", (lua_Integer)(PACKET_FANOUT_HASH)},
#endif
#ifdef PACKET_FANOUT_LB
    {"PACKET_FANOUT_LB", (lua_Integer)(PACKET_FANOUT_LB)},
#endif
#ifdef PACKET_FANOUT_QM
    {"PACKET_FANOUT_QM", (lua_Integer)(PACKET_FANOUT_QM)},
#endif
#ifdef PACKET_FANOUT_RND
    {"PACKET_FANOUT_RND", (lua_Integer)(PACKET_FANOUT_RND)},
#endif
#ifdef PACKET_FANOUT_ROLLOVER
    {"PACKET_FANOUT_ROLLOVER", (lua_Integer)(PACKET_FANOUT_ROLLOVER)},
#endif
#ifdef PACKET_FASTROUTE
    {"PACKET_FASTROUTE", (lua_Integer)(PACKET_FASTROUTE)},
#endif
#ifdef PACKET_HDRLEN
    {"PACKET_HDRLEN", (lua_Integer)(PACKET_HDRLEN)},
#endif
#ifdef PACKET_HOST
    {"PACKET_HOST", (lua_Integer)(PACKET_HOST)},
#endif
#ifdef PACKET_IGNORE_OUTGOING
    {"PACKET_IGNORE_OUTGOING", (lua_Integer)(PACKET_IGNORE_OUTGOING)},
#endif
#ifdef PACKET_KERNEL
    {"PACKET_KERNEL", (lua_Integer)(PACKET_KERNEL)},
#endif
#ifdef PACKET_LOOPBACK
    {"PACKET_LOOPBACK", (lua_Integer)(PACKET_LOOPBACK)},
#endif
#ifdef PACKET_LOSS
    {"PACKET_LOSS", (lua_Integer)(PACKET_LOSS)},
#endif
#ifdef PACKET_MR_ALLMULTI
    {"PACKET_MR_ALLMULTI", (lua_Integer)(PACKET_MR_ALLMULTI)},
#endif
#ifdef PACKET_MR_MULTICAST
    {"PACKET_MR_MULTICAST", (lua_Integer)(PACKET_MR_MULTICAST)},
#endif
#ifdef PACKET_MR_PROMISC
    {"PACKET_MR_PROMISC", (lua_Integer)(PACKET_MR_PROMISC)},
#endif
#ifdef PACKET_MR_UNICAST
    {"PACKET_MR_UNICAST", (lua_Integer)(PACKET_MR_UNICAST)},
#endif
#ifdef PACKET_MULTICAST
    {"PACKET_MULTICAST", (lua_Integer)(PACKET_MULTICAST)},
#endif
#ifdef PACKET_ORIGDEV
    {"PACKET_ORIGDEV", (lua_Integer)(PACKET_ORIGDEV)},
#endif
#ifdef PACKET_OTHERHOST
    {"PACKET_OTHERHOST", (lua_Integer)(PACKET_OTHERHOST)},
#endif
#ifdef PACKET_OUTGOING
    {"PACKET_OUTGOING", (lua_Integer)(PACKET_OUTGOING)},
#endif
#ifdef PACKET_QDISC_BYPASS
    {"PACKET_QDISC_BYPASS", (lua_Integer)(PACKET_QDISC_BYPASS)},
#endif
#ifdef PACKET_RECV_OUTPUT
    {"PACKET_RECV_OUTPUT", (lua_Integer)(PACKET_RECV_OUTPUT)},
#endif
#ifdef PACKET_RESERVE
    {"PACKET_RESERVE", (lua_Integer)(PACKET_RESERVE)},
#endif
#ifdef PACKET_ROLLOVER_STATS
    {"PACKET_ROLLOVER_STATS", (lua_Integer)(PACKET_ROLLOVER_STATS)},
#endif
#ifdef PACKET_RX_RING
    {"PACKET_RX_RING", (lua_Integer)(PACKET_RX_RING)},
#endif
#ifdef PACKET_STATISTICS
    {"PACKET_STATISTICS", (lua_Integer)(PACKET_STATISTICS)},
#endif
#ifdef PACKET_TIMESTAMP
    {"PACKET_TIMESTAMP", (lua_Integer)(PACKET_TIMESTAMP)},
#endif
#ifdef PACKET_TX_HAS_OFF
    {"PACKET_TX_HAS_OFF", (lua_Integer)(PACKET_TX_HAS_OFF)},
#endif
#ifdef PACKET_TX_RING
    {"PACKET_TX_RING", (lua_Integer)(PACKET_TX_RING)},
#endif
#ifdef PACKET_TX_TIMESTAMP
    {"PACKET_TX_TIMESTAMP", (lua_Integer)(PACKET_TX_TIMESTAMP)},
#endif
#ifdef PACKET_USER
    {"PACKET_USER", (lua_Integer)(PACKET_USER)},
#endif
#ifdef PACKET_VERSION
    {"PACKET_VERSION", (lua_Integer)(PACKET_VERSION)},
#endif
#ifdef PACKET_VNET_HDR
    {"PACKET_VNET_HDR", (lua_Integer)(PACKET_VNET_HDR)},
#endif
#ifdef PF_ALG
    {"PF_ALG", (lua_Integer)(PF_ALG)},
#endif
#ifdef PF_APPLETALK
    {"PF_APPLETALK", (lua_Integer)(PF_APPLETALK)},
#endif
#ifdef PF_ASH
    {"PF_ASH", (lua_Integer)(PF_ASH)},
#endif
#ifdef PF_ATMPVC
    {"PF_ATMPVC", (lua_Integer)(PF_ATMPVC)},
#endif
#ifdef PF_ATMSVC
    {"PF_ATMSVC", (lua_Integer)(PF_ATMSVC)},
#endif
#ifdef PF_AX25
    {"PF_AX25", (lua_Integer)(PF_AX25)},
#endif
#ifdef PF_BLUETOOTH
    {"PF_BLUETOOTH", (lua_Integer)(PF_BLUETOOTH)},
#endif
#ifdef PF_BRIDGE
    {"PF_BRIDGE", (lua_Integer)(PF_BRIDGE)},
#endif
#ifdef PF_CAIF
    {"PF_CAIF", (lua_Integer)(PF_CAIF)},
#endif
#ifdef PF_CAN
    {"PF_CAN", (lua_Integer)(PF_CAN)},
#endif
#ifdef PF_DEC
    {"PF_DEC", (lua_Integer)(PF_DEC)},
#endif
#ifdef PF_ECONET
    {"PF_ECONET", (lua_Integer)(PF_ECONET)},
#endif
#ifdef PF_FILE
    {"PF_FILE", (lua_Integer)(PF_FILE)},
#endif
#ifdef PF_IB
    {"PF_IB", (lua_Integer)(PF_IB)},
#endif
#ifdef PF_IEEE802154
    {"PF_IEEE802154", (lua_Integer)(PF_IEEE802154)},
#endif
#ifdef PF_INET
    {"PF_INET", (lua_Integer)(PF_INET)},
#endif
#ifdef PF_INET6
    {"PF_INET6", (lua_Integer)(PF_INET6)},
#endif
#ifdef PF_IPX
    {"PF_IPX", (lua_Integer)(PF_IPX)},
#endif
#ifdef PF_IRDA
    {"PF_IRDA", (lua_Integer)(PF_IRDA)},
#endif
#ifdef PF_ISDN
    {"PF_ISDN", (lua_Integer)(PF_ISDN)},
#endif
#ifdef PF_IUCV
    {"PF_IUCV", (lua_Integer)(PF_IUCV)},
#endif
#ifdef PF_KCM
    {"PF_KCM", (lua_Integer)(PF_KCM)},
#endif
#ifdef PF_KEY
    {"PF_KEY", (lua_Integer)(PF_KEY)},
#endif
#ifdef PF_LLC
    {"PF_LLC", (lua_Integer)(PF_LLC)},
#endif
#ifdef PF_LOCAL
    {"PF_LOCAL", (lua_Integer)(PF_LOCAL)},
#endif
#ifdef PF_MAX
    {"PF_MAX", (lua_Integer)(PF_MAX)},
#endif
#ifdef PF_MCTP
    {"PF_MCTP", (lua_Integer)(PF_MCTP)},
#endif
#ifdef PF_MPLS
    {"PF_MPLS", (lua_Integer)(PF_MPLS)},
#endif
#ifdef PF_NETBEUI
    {"PF_NETBEUI", (lua_Integer)(PF_NETBEUI)},
#endif
#ifdef PF_NETLINK
    {"PF_NETLINK", (lua_Integer)(PF_NETLINK)},
#endif
#ifdef PF_NETROM
    {"PF_NETROM", (lua_Integer)(PF_NETROM)},
#endif
#ifdef PF_NFC
    {"PF_NFC", (lua_Integer)(PF_NFC)},
#endif
#ifdef PF_PACKET
    {"PF_PACKET", (lua_Integer)(PF_PACKET)},
#endif
#ifdef PF_PHONET
    {"PF_PHONET", (lua_Integer)(PF_PHONET)},
#endif
#ifdef PF_PPPOX
    {"PF_PPPOX", (lua_Integer)(PF_PPPOX)},
#endif
#ifdef PF_QIPCRTR
    {"PF_QIPCRTR", (lua_Integer)(PF_QIPCRTR)},
#endif
#ifdef PF_RDS
    {"PF_RDS", (lua_Integer)(PF_RDS)},
#endif
#ifdef PF_ROSE
    {"PF_ROSE", (lua_Integer)(PF_ROSE)},
#endif
#ifdef PF_ROUTE
    {"PF_ROUTE", (lua_Integer)(PF_ROUTE)},
#endif
#ifdef PF_RXRPC
    {"PF_RXRPC", (lua_Integer)(PF_RXRPC)},
#endif
#ifdef PF_SECURITY
    {"PF_SECURITY", (lua_Integer)(PF_SECURITY)},
#endif
#ifdef PF_SMC
    {"PF_SMC", (lua_Integer)(PF_SMC)},
#endif
#ifdef PF_SNA
    {"PF_SNA", (lua_Integer)(PF_SNA)},
#endif
#ifdef PF_TIPC
    {"PF_TIPC", (lua_Integer)(PF_TIPC)},
#endif
#ifdef PF_UNIX
    {"PF_UNIX", (lua_Integer)(PF_UNIX)},
#endif
#ifdef PF_UNSPEC
    {"PF_UNSPEC", (lua_Integer)(PF_UNSPEC)},
#endif
#ifdef PF_VSOCK
    {"PF_VSOCK", (lua_Integer)(PF_VSOCK)},
#endif
#ifdef PF_WANPIPE
    {"PF_WANPIPE", (lua_Integer)(PF_WANPIPE)},
#endif
#ifdef PF_X25
    {"PF_X25", (lua_Integer)(PF_X25)},
#endif
#ifdef PF_XDP
    {"PF_XDP", (lua_Integer)(PF_XDP)},
#endif
#ifdef SCM_CREDENTIALS
    {"SCM_CREDENTIALS", (lua_Integer)(SCM_CREDENTIALS)},
#endif
#ifdef SCM_J1939_DEST_ADDR
    {"SCM_J1939_DEST_ADDR", (lua_Integer)(SCM_J1939_DEST_ADDR)},
#endif
#ifdef SCM_J1939_DEST_NAME
    {"SCM_J1939_DEST_NAME", (lua_Integer)(SCM_J1939_DEST_NAME)},
#endif
#ifdef SCM_J1939_ERRQUEUE
    {"SCM_J1939_ERRQUEUE", (lua_Integer)(SCM_J1939_ERRQUEUE)},
#endif
#ifdef SCM_J1939_PRIO
    {"SCM_J1939_PRIO", (lua_Integer)(SCM_J1939_PRIO)},
#endif
#ifdef SCM_RIGHTS
    {"SCM_RIGHTS", (lua_Integer)(SCM_RIGHTS)},
#endif
#ifdef SCM_TIMESTAMP
    {"SCM_TIMESTAMP", (lua_Integer)(SCM_TIMESTAMP)},
#endif
#ifdef SCM_TIMESTAMPING
    {"SCM_TIMESTAMPING", (lua_Integer)(SCM_TIMESTAMPING)},
#endif
#ifdef SCM_TIMESTAMPING_OPT_STATS
    {"SCM_TIMESTAMPING_OPT_STATS", (lua_Integer)(SCM_TIMESTAMPING_OPT_STATS)},
#endif
#ifdef SCM_TIMESTAMPING_PKTINFO
    {"SCM_TIMESTAMPING_PKTINFO", (lua_Integer)(SCM_TIMESTAMPING_PKTINFO)},
#endif
#ifdef SCM_TIMESTAMPNS
    {"SCM_TIMESTAMPNS", (lua_Integer)(SCM_TIMESTAMPNS)},
#endif
#ifdef SCM_TXTIME
    {"SCM_TXTIME", (lua_Integer)(SCM_TXTIME)},
#endif
#ifdef SCM_WIFI_STATUS
    {"SCM_WIFI_STATUS", (lua_Integer)(SCM_WIFI_STATUS)},
#endif
#ifdef SHUT_RD
    {"SHUT_RD", (lua_Integer)(SHUT_RD)},
#endif
#ifdef SHUT_RDWR
    {"SHUT_RDWR", (lua_Integer)(SHUT_RDWR)},
#endif
#ifdef SHUT_WR
    {"SHUT_WR", (lua_Integer)(SHUT_WR)},
#endif
#ifdef SOCK_CLOEXEC
    {"SOCK_CLOEXEC", (lua_Integer)(SOCK_CLOEXEC)},
#endif
#ifdef SOCK_DCCP
    {"SOCK_DCCP", (lua_Integer)(SOCK_DCCP)},
#endif
#ifdef SOCK_DGRAM
    {"SOCK_DGRAM", (lua_Integer)(SOCK_DGRAM)},
#endif
#ifdef SOCK_NONBLOCK
    {"SOCK_NONBLOCK", (lua_Integer)(SOCK_NONBLOCK)},
#endif
#ifdef SOCK_PACKET
    {"SOCK_PACKET", (lua_Integer)(SOCK_PACKET)},
#endif
#ifdef SOCK_RAW
    {"SOCK_RAW", (lua_Integer)(SOCK_RAW)},
#endif
#ifdef SOCK_RDM
    {"SOCK_RDM", (lua_Integer)(SOCK_RDM)},
#endif
#ifdef SOCK_SEQPACKET
    {"SOCK_SEQPACKET", (lua_Integer)(SOCK_SEQPACKET)},
#endif
#ifdef SOCK_STREAM
    {"SOCK_STREAM", (lua_Integer)(SOCK_STREAM)},
#endif
#ifdef SOL_AAL
    {"SOL_AAL", (lua_Integer)(SOL_AAL)},
#endif
#ifdef SOL_ALG
    {"SOL_ALG", (lua_Integer)(SOL_ALG)},
#endif
#ifdef SOL_ATM
    {"SOL_ATM", (lua_Integer)(SOL_ATM)},
#endif
#ifdef SOL_BLUETOOTH
    {"SOL_BLUETOOTH", (lua_Integer)(SOL_BLUETOOTH)},
#endif
#ifdef SOL_CAIF
    {"SOL_CAIF", (lua_Integer)(SOL_CAIF)},
#endif
#ifdef SOL_CAN_BASE
    {"SOL_CAN_BASE", (lua_Integer)(SOL_CAN_BASE)},
#endif
#ifdef SOL_CAN_RAW
    {"SOL_CAN_RAW", (lua_Integer)(SOL_CAN_RAW)},
#endif
#ifdef SOL_DCCP
    {"SOL_DCCP", (lua_Integer)(SOL_DCCP)},
#endif
#ifdef SOL_DECNET
    {"SOL_DECNET", (lua_Integer)(SOL_DECNET)},
#endif
#ifdef SOL_ICMPV6
    {"SOL_ICMPV6", (lua_Integer)(SOL_ICMPV6)},
#endif
#ifdef SOL_IP
    {"SOL_IP", (lua_Integer)(SOL_IP)},
#endif
#ifdef SOL_IPV6
    {"SOL_IPV6", (lua_Integer)(SOL_IPV6)},
#endif
#ifdef SOL_IRDA
    {"SOL_IRDA", (lua_Integer)(SOL_IRDA)},
#endif
#ifdef SOL_IUCV
    {"SOL_IUCV", (lua_Integer)(SOL_IUCV)},
#endif
#ifdef SOL_KCM
    {"SOL_KCM", (lua_Integer)(SOL_KCM)},
#endif
#ifdef SOL_LLC
    {"SOL_LLC", (lua_Integer)(SOL_LLC)},
#endif
#ifdef SOL_MCTP
    {"SOL_MCTP", (lua_Integer)(SOL_MCTP)},
#endif
#ifdef SOL_MPTCP
    {"SOL_MPTCP", (lua_Integer)(SOL_MPTCP)},
#endif
#ifdef SOL_NETBEUI
    {"SOL_NETBEUI", (lua_Integer)(SOL_NETBEUI)},
#endif
#ifdef SOL_NETLINK
    {"SOL_NETLINK", (lua_Integer)(SOL_NETLINK)},
#endif
#ifdef SOL_NFC
    {"SOL_NFC", (lua_Integer)(SOL_NFC)},
#endif
#ifdef SOL_PACKET
    {"SOL_PACKET", (lua_Integer)(SOL_PACKET)},
#endif
#ifdef SOL_PNPIPE
    {"SOL_PNPIPE", (lua_Integer)(SOL_PNPIPE)},
#endif
#ifdef SOL_PPPOL2TP
    {"SOL_PPPOL2TP", (lua_Integer)(SOL_PPPOL2TP)},
#endif
#ifdef SOL_RAW
    {"SOL_RAW", (lua_Integer)(SOL_RAW)},
#endif
#ifdef SOL_RDS
    {"SOL_RDS", (lua_Integer)(SOL_RDS)},
#endif
#ifdef SOL_RXRPC
    {"SOL_RXRPC", (lua_Integer)(SOL_RXRPC)},
#endif
#ifdef SOL_SMC
    {"SOL_SMC", (lua_Integer)(SOL_SMC)},
#endif
#ifdef SOL_SOCKET
    {"SOL_SOCKET", (lua_Integer)(SOL_SOCKET)},
#endif
#ifdef SOL_TCP
    {"SOL_TCP", (lua_Integer)(SOL_TCP)},
#endif
#ifdef SOL_TIPC
    {"SOL_TIPC", (lua_Integer)(SOL_TIPC)},
#endif
#ifdef SOL_TLS
    {"SOL_TLS", (lua_Integer)(SOL_TLS)},
#endif
#ifdef SOL_UDP
    {"SOL_UDP", (lua_Integer)(SOL_UDP)},
#endif
#ifdef SOL_X25
    {"SOL_X25", (lua_Integer)(SOL_X25)},
#endif
#ifdef SOL_XDP
    {"SOL_XDP", (lua_Integer)(SOL_XDP)},
#endif
#ifdef SOMAXCONN
    {"SOMAXCONN", (lua_Integer)(SOMAXCONN)},
#endif
#ifdef SO_ACCEPTCONN
    {"SO_ACCEPTCONN", (lua_Integer)(SO_ACCEPTCONN)},
#endif
#ifdef SO_ATTACH_BPF
    {"SO_ATTACH_BPF", (lua_Integer)(SO_ATTACH_BPF)},
#endif
#ifdef SO_ATTACH_FILTER
    {"SO_ATTACH_FILTER", (lua_Integer)(SO_ATTACH_FILTER)},
#endif
#ifdef SO_ATTACH_REUSEPORT_CBPF
    {"SO_ATTACH_REUSEPORT_CBPF", (lua_Integer)(SO_ATTACH_REUSEPORT_CBPF)},
#endif
#ifdef SO_ATTACH_REUSEPORT_EBPF
    {"SO_ATTACH_REUSEPORT_EBPF", (lua_Integer)(SO_ATTACH_REUSEPORT_EBPF)},
#endif
#ifdef SO_BINDTODEVICE
    {"SO_BINDTODEVICE", (lua_Integer)(SO_BINDTODEVICE)},
#endif
#ifdef SO_BINDTOIFINDEX
    {"SO_BINDTOIFINDEX", (lua_Integer)(SO_BINDTOIFINDEX)},
#endif
#ifdef SO_BPF_EXTENSIONS
    {"SO_BPF_EXTENSIONS", (lua_Integer)(SO_BPF_EXTENSIONS)},
#endif
#ifdef SO_BROADCAST
    {"SO_BROADCAST", (lua_Integer)(SO_BROADCAST)},
#endif
#ifdef SO_BSDCOMPAT
    {"SO_BSDCOMPAT", (lua_Integer)(SO_BSDCOMPAT)},
#endif
#ifdef SO_BUF_LOCK
    {"SO_BUF_LOCK", (lua_Integer)(SO_BUF_LOCK)},
#endif
#ifdef SO_BUSY_POLL
    {"SO_BUSY_POLL", (lua_Integer)(SO_BUSY_POLL)},
#endif
#ifdef SO_BUSY_POLL_BUDGET
    {"SO_BUSY_POLL_BUDGET", (lua_Integer)(SO_BUSY_POLL_BUDGET)},
#endif
#ifdef SO_CNX_ADVICE
    {"SO_CNX_ADVICE", (lua_Integer)(SO_CNX_ADVICE)},
#endif
#ifdef SO_COOKIE
    {"SO_COOKIE", (lua_Integer)(SO_COOKIE)},
#endif
#ifdef SO_DEBUG
    {"SO_DEBUG", (lua_Integer)(SO_DEBUG)},
#endif
#ifdef SO_DETACH_BPF
    {"SO_DETACH_BPF", (lua_Integer)(SO_DETACH_BPF)},
#endif
#ifdef SO_DETACH_FILTER
    {"SO_DETACH_FILTER", (lua_Integer)(SO_DETACH_FILTER)},
#endif
#ifdef SO_DETACH_REUSEPORT_BPF
    {"SO_DETACH_REUSEPORT_BPF", (lua_Integer)(SO_DETACH_REUSEPORT_BPF)},
#endif
#ifdef SO_DOMAIN
    {"SO_DOMAIN", (lua_Integer)(SO_DOMAIN)},
#endif
#ifdef SO_DONTROUTE
    {"SO_DONTROUTE", (lua_Integer)(SO_DONTROUTE)},
#endif
#ifdef SO_ERROR
    {"SO_ERROR", (lua_Integer)(SO_ERROR)},
#endif
#ifdef SO_GET_FILTER
    {"SO_GET_FILTER", (lua_Integer)(SO_GET_FILTER)},
#endif
#ifdef SO_INCOMING_CPU
    {"SO_INCOMING_CPU", (lua_Integer)(SO_INCOMING_CPU)},
#endif
#ifdef SO_INCOMING_NAPI_ID
    {"SO_INCOMING_NAPI_ID", (lua_Integer)(SO_INCOMING_NAPI_ID)},
#endif
#ifdef SO_J1939_ERRQUEUE
    {"SO_J1939_ERRQUEUE", (lua_Integer)(SO_J1939_ERRQUEUE)},
#endif
#ifdef SO_J1939_FILTER
    {"SO_J1939_FILTER", (lua_Integer)(SO_J1939_FILTER)},
#endif
#ifdef SO_J1939_PROMISC
    {"SO_J1939_PROMISC", (lua_Integer)(SO_J1939_PROMISC)},
#endif
#ifdef SO_J1939_SEND_PRIO
    {"SO_J1939_SEND_PRIO", (lua_Integer)(SO_J1939_SEND_PRIO)},
#endif
#ifdef SO_KEEPALIVE
    {"SO_KEEPALIVE", (lua_Integer)(SO_KEEPALIVE)},
#endif
#ifdef SO_LINGER
    {"SO_LINGER", (lua_Integer)(SO_LINGER)},
#endif
#ifdef SO_LOCK_FILTER
    {"SO_LOCK_FILTER", (lua_Integer)(SO_LOCK_FILTER)},
#endif
#ifdef SO_MARK
    {"SO_MARK", (lua_Integer)(SO_MARK)},
#endif
#ifdef SO_MAX_PACING_RATE
    {"SO_MAX_PACING_RATE", (lua_Integer)(SO_MAX_PACING_RATE)},
#endif
#ifdef SO_MEMINFO
    {"SO_MEMINFO", (lua_Integer)(SO_MEMINFO)},
#endif
#ifdef SO_NETNS_COOKIE
    {"SO_NETNS_COOKIE", (lua_Integer)(SO_NETNS_COOKIE)},
#endif
#ifdef SO_NOFCS
    {"SO_NOFCS", (lua_Integer)(SO_NOFCS)},
#endif
#ifdef SO_NO_CHECK
    {"SO_NO_CHECK", (lua_Integer)(SO_NO_CHECK)},
#endif
#ifdef SO_OOBINLINE
    {"SO_OOBINLINE", (lua_Integer)(SO_OOBINLINE)},
#endif
#ifdef SO_PASSCRED
    {"SO_PASSCRED", (lua_Integer)(SO_PASSCRED)},
#endif
#ifdef SO_PASSSEC
    {"SO_PASSSEC", (lua_Integer)(SO_PASSSEC)},
#endif
#ifdef SO_PEEK_OFF
    {"SO_PEEK_OFF", (lua_Integer)(SO_PEEK_OFF)},
#endif
#ifdef SO_PEERCRED
    {"SO_PEERCRED", (lua_Integer)(SO_PEERCRED)},
#endif
#ifdef SO_PEERGROUPS
    {"SO_PEERGROUPS", (lua_Integer)(SO_PEERGROUPS)},
#endif
#ifdef SO_PEERNAME
    {"SO_PEERNAME", (lua_Integer)(SO_PEERNAME)},
#endif
#ifdef SO_PEERSEC
    {"SO_PEERSEC", (lua_Integer)(SO_PEERSEC)},
#endif
#ifdef SO_PREFER_BUSY_POLL
    {"SO_PREFER_BUSY_POLL", (lua_Integer)(SO_PREFER_BUSY_POLL)},
#endif
#ifdef SO_PRIORITY
    {"SO_PRIORITY", (lua_Integer)(SO_PRIORITY)},
#endif
#ifdef SO_PROTOCOL
    {"SO_PROTOCOL", (lua_Integer)(SO_PROTOCOL)},
#endif
#ifdef SO_RCVBUF
    {"SO_RCVBUF", (lua_Integer)(SO_RCVBUF)},
#endif
#ifdef SO_RCVBUFFORCE
    {"SO_RCVBUFFORCE", (lua_Integer)(SO_RCVBUFFORCE)},
#endif
#ifdef SO_RCVLOWAT
    {"SO_RCVLOWAT", (lua_Integer)(SO_RCVLOWAT)},
#endif
#ifdef SO_RCVMARK
    {"SO_RCVMARK", (lua_Integer)(SO_RCVMARK)},
#endif
#ifdef SO_RCVTIMEO
    {"SO_RCVTIMEO", (lua_Integer)(SO_RCVTIMEO)},
#endif
#ifdef SO_RCVTIMEO_NEW
    {"SO_RCVTIMEO_NEW", (lua_Integer)(SO_RCVTIMEO_NEW)},
#endif
#ifdef SO_RCVTIMEO_OLD
    {"SO_RCVTIMEO_OLD", (lua_Integer)(SO_RCVTIMEO_OLD)},
#endif
#ifdef SO_RESERVE_MEM
    {"SO_RESERVE_MEM", (lua_Integer)(SO_RESERVE_MEM)},
#endif
#ifdef SO_REUSEADDR
    {"SO_REUSEADDR", (lua_Integer)(SO_REUSEADDR)},
#endif
#ifdef SO_REUSEPORT
    {"SO_REUSEPORT", (lua_Integer)(SO_REUSEPORT)},
#endif
#ifdef SO_RXQ_OVFL
    {"SO_RXQ_OVFL", (lua_Integer)(SO_RXQ_OVFL)},
#endif
#ifdef SO_SECURITY_AUTHENTICATION
    {"SO_SECURITY_AUTHENTICATION", (lua_Integer)(SO_SECURITY_AUTHENTICATION)},
#endif
#ifdef SO_SECURITY_ENCRYPTION_NETWORK
    {"SO_SECURITY_ENCRYPTION_NETWORK", (lua_Integer)(SO_SECURITY_ENCRYPTION_NETWORK)},
#endif
#ifdef SO_SECURITY_ENCRYPTION_TRANSPORT
    {"SO_SECURITY_ENCRYPTION_TRANSPORT", (lua_Integer)(SO_SECURITY_ENCRYPTION_TRANSPORT)},
#endif
#ifdef SO_SELECT_ERR_QUEUE
    {"SO_SELECT_ERR_QUEUE", (lua_Integer)(SO_SELECT_ERR_QUEUE)},
#endif
#ifdef SO_SNDBUF
    {"SO_SNDBUF", (lua_Integer)(SO_SNDBUF)},
#endif
#ifdef SO_SNDBUFFORCE
    {"SO_SNDBUFFORCE", (lua_Integer)(SO_SNDBUFFORCE)},
#endif
#ifdef SO_SNDLOWAT
    {"SO_SNDLOWAT", (lua_Integer)(SO_SNDLOWAT)},
#endif
#ifdef SO_SNDTIMEO
    {"SO_SNDTIMEO", (lua_Integer)(SO_SNDTIMEO)},
#endif
#ifdef SO_SNDTIMEO_NEW
    {"SO_SNDTIMEO_NEW", (lua_Integer)(SO_SNDTIMEO_NEW)},
#endif
#ifdef SO_SNDTIMEO_OLD
    {"SO_SNDTIMEO_OLD", (lua_Integer)(SO_SNDTIMEO_OLD)},
#endif
#ifdef SO_TIMESTAMP
    {"SO_TIMESTAMP", (lua_Integer)(SO_TIMESTAMP)},
#endif
#ifdef SO_TIMESTAMPING
    {"SO_TIMESTAMPING", (lua_Integer)(SO_TIMESTAMPING)},
#endif
#ifdef SO_TIMESTAMPING_NEW
    {"SO_TIMESTAMPING_NEW", (lua_Integer)(SO_TIMESTAMPING_NEW)},
#endif
#ifdef SO_TIMESTAMPING_OLD
    {"SO_TIMESTAMPING_OLD", (lua_Integer)(SO_TIMESTAMPING_OLD)},
#endif
#ifdef SO_TIMESTAMPNS
    {"SO_TIMESTAMPNS", (lua_Integer)(SO_TIMESTAMPNS)},
#endif
#ifdef SO_TIMESTAMPNS_NEW
    {"SO_TIMESTAMPNS_NEW", (lua_Integer)(SO_TIMESTAMPNS_NEW)},
#endif
#ifdef SO_TIMESTAMPNS_OLD
    {"SO_TIMESTAMPNS_OLD", (lua_Integer)(SO_TIMESTAMPNS_OLD)},
#endif
#ifdef SO_TIMESTAMP_NEW
    {"SO_TIMESTAMP_NEW", (lua_Integer)(SO_TIMESTAMP_NEW)},
#endif
#ifdef SO_TXREHASH
    {"SO_TXREHASH", (lua_Integer)(SO_TXREHASH)},
#endif
#ifdef SO_TXTIME
    {"SO_TXTIME", (lua_Integer)(SO_TXTIME)},
#endif
#ifdef SO_TYPE
    {"SO_TYPE", (lua_Integer)(SO_TYPE)},
#endif
#ifdef SO_VM_SOCKETS_BUFFER_MAX_SIZE
    {"SO_VM_SOCKETS_BUFFER_MAX_SIZE", (lua_Integer)(SO_VM_SOCKETS_BUFFER_MAX_SIZE)},
#endif
#ifdef SO_VM_SOCKETS_BUFFER_MIN_SIZE
    {"SO_VM_SOCKETS_BUFFER_MIN_SIZE", (lua_Integer)(SO_VM_SOCKETS_BUFFER_MIN_SIZE)},
#endif
#ifdef SO_VM_SOCKETS_BUFFER_SIZE
    {"SO_VM_SOCKETS_BUFFER_SIZE", (lua_Integer)(SO_VM_SOCKETS_BUFFER_SIZE)},
#endif
#ifdef SO_WIFI_STATUS
    {"SO_WIFI_STATUS", (lua_Integer)(SO_WIFI_STATUS)},
#endif
#ifdef SO_ZEROCOPY
    {"SO_ZEROCOPY", (lua_Integer)(SO_ZEROCOPY)},
#endif
#ifdef TCP_CC_INFO
    {"TCP_CC_INFO", (lua_Integer)(TCP_CC_INFO)},
#endif
#ifdef TCP_CM_INQ
    {"TCP_CM_INQ", (lua_Integer)(TCP_CM_INQ)},
#endif
#ifdef TCP_CONGESTION
    {"TCP_CONGESTION", (lua_Integer)(TCP_CONGESTION)},
#endif
#ifdef TCP_COOKIE_IN_ALWAYS
    {"TCP_COOKIE_IN_ALWAYS", (lua_Integer)(TCP_COOKIE_IN_ALWAYS)},
#endif
#ifdef TCP_COOKIE_MAX
    {"TCP_COOKIE_MAX", (lua_Integer)(TCP_COOKIE_MAX)},
#endif
#ifdef TCP_COOKIE_MIN
    {"TCP_COOKIE_MIN", (lua_Integer)(TCP_COOKIE_MIN)},
#endif
#ifdef TCP_COOKIE_OUT_NEVER
    {"TCP_COOKIE_OUT_NEVER", (lua_Integer)(TCP_COOKIE_OUT_NEVER)},
#endif
#ifdef TCP_COOKIE_PAIR_SIZE
    {"TCP_COOKIE_PAIR_SIZE", (lua_Integer)(TCP_COOKIE_PAIR_SIZE)},
#endif
#ifdef TCP_COOKIE_TRANSACTIONS
    {"TCP_COOKIE_TRANSACTIONS", (lua_Integer)(TCP_COOKIE_TRANSACTIONS)},
#endif
#ifdef TCP_CORK
    {"TCP_CORK", (lua_Integer)(TCP_CORK)},
#endif
#ifdef TCP_DEFER_ACCEPT
    {"TCP_DEFER_ACCEPT", (lua_Integer)(TCP_DEFER_ACCEPT)},
#endif
#ifdef TCP_FASTOPEN
    {"TCP_FASTOPEN", (lua_Integer)(TCP_FASTOPEN)},
#endif
#ifdef TCP_FASTOPEN_CONNECT
    {"TCP_FASTOPEN_CONNECT", (lua_Integer)(TCP_FASTOPEN_CONNECT)},
#endif
#ifdef TCP_FASTOPEN_KEY
    {"TCP_FASTOPEN_KEY", (lua_Integer)(TCP_FASTOPEN_KEY)},
#endif
#ifdef TCP_FASTOPEN_NO_COOKIE
    {"TCP_FASTOPEN_NO_COOKIE", (lua_Integer)(TCP_FASTOPEN_NO_COOKIE)},
#endif
#ifdef TCP_INFO
    {"TCP_INFO", (lua_Integer)(TCP_INFO)},
#endif
#ifdef TCP_INQ
    {"TCP_INQ", (lua_Integer)(TCP_INQ)},
#endif
#ifdef TCP_KEEPCNT
    {"TCP_KEEPCNT", (lua_Integer)(TCP_KEEPCNT)},
#endif
#ifdef TCP_KEEPIDLE
    {"TCP_KEEPIDLE", (lua_Integer)(TCP_KEEPIDLE)},
#endif
#ifdef TCP_KEEPINTVL
    {"TCP_KEEPINTVL", (lua_Integer)(TCP_KEEPINTVL)},
#endif
#ifdef TCP_LINGER2
    {"TCP_LINGER2", (lua_Integer)(TCP_LINGER2)},
#endif
#ifdef TCP_MAXSEG
    {"TCP_MAXSEG", (lua_Integer)(TCP_MAXSEG)},
#endif
#ifdef TCP_MAXWIN
    {"TCP_MAXWIN", (lua_Integer)(TCP_MAXWIN)},
#endif
#ifdef TCP_MAX_WINSHIFT
    {"TCP_MAX_WINSHIFT", (lua_Integer)(TCP_MAX_WINSHIFT)},
#endif
#ifdef TCP_MD5SIG
    {"TCP_MD5SIG", (lua_Integer)(TCP_MD5SIG)},
#endif
#ifdef TCP_MD5SIG_EXT
    {"TCP_MD5SIG_EXT", (lua_Integer)(TCP_MD5SIG_EXT)},
#endif
#ifdef TCP_MD5SIG_FLAG_PREFIX
    {"TCP_MD5SIG_FLAG_PREFIX", (lua_Integer)(TCP_MD5SIG_FLAG_PREFIX)},
#endif
#ifdef TCP_MD5SIG_MAXKEYLEN
    {"TCP_MD5SIG_MAXKEYLEN", (lua_Integer)(TCP_MD5SIG_MAXKEYLEN)},
#endif
#ifdef TCP_MSS
    {"TCP_MSS", (lua_Integer)(TCP_MSS)},
#endif
#ifdef TCP_MSS_DEFAULT
    {"TCP_MSS_DEFAULT", (lua_Integer)(TCP_MSS_DEFAULT)},
#endif
#ifdef TCP_MSS_DESIRED
    {"TCP_MSS_DESIRED", (lua_Integer)(TCP_MSS_DESIRED)},
#endif
#ifdef TCP_NODELAY
    {"TCP_NODELAY", (lua_Integer)(TCP_NODELAY)},
#endif
#ifdef TCP_NOTSENT_LOWAT
    {"TCP_NOTSENT_LOWAT", (lua_Integer)(TCP_NOTSENT_LOWAT)},
#endif
#ifdef TCP_QUEUE_SEQ
    {"TCP_QUEUE_SEQ", (lua_Integer)(TCP_QUEUE_SEQ)},
#endif
#ifdef TCP_QUICKACK
    {"TCP_QUICKACK", (lua_Integer)(TCP_QUICKACK)},
#endif
#ifdef TCP_REPAIR
    {"TCP_REPAIR", (lua_Integer)(TCP_REPAIR)},
#endif
#ifdef TCP_REPAIR_OFF
    {"TCP_REPAIR_OFF", (lua_Integer)(TCP_REPAIR_OFF)},
#endif
#ifdef TCP_REPAIR_OFF_NO_WP
    {"TCP_REPAIR_OFF_NO_WP", (lua_Integer)(TCP_REPAIR_OFF_NO_WP)},
#endif
#ifdef TCP_REPAIR_ON
    {"TCP_REPAIR_ON", (lua_Integer)(TCP_REPAIR_ON)},
#endif
#ifdef TCP_REPAIR_OPTIONS
    {"TCP_REPAIR_OPTIONS", (lua_Integer)(TCP_REPAIR_OPTIONS)},
#endif
#ifdef TCP_REPAIR_QUEUE
    {"TCP_REPAIR_QUEUE", (lua_Integer)(TCP_REPAIR_QUEUE)},
#endif
#ifdef TCP_REPAIR_WINDOW
    {"TCP_REPAIR_WINDOW", (lua_Integer)(TCP_REPAIR_WINDOW)},
#endif
#ifdef TCP_SAVED_SYN
    {"TCP_SAVED_SYN", (lua_Integer)(TCP_SAVED_SYN)},
#endif
#ifdef TCP_SAVE_SYN
    {"TCP_SAVE_SYN", (lua_Integer)(TCP_SAVE_SYN)},
#endif
#ifdef TCP_SYNCNT
    {"TCP_SYNCNT", (lua_Integer)(TCP_SYNCNT)},
#endif
#ifdef TCP_S_DATA_IN
    {"TCP_S_DATA_IN", (lua_Integer)(TCP_S_DATA_IN)},
#endif
#ifdef TCP_S_DATA_OUT
    {"TCP_S_DATA_OUT", (lua_Integer)(TCP_S_DATA_OUT)},
#endif
#ifdef TCP_THIN_DUPACK
    {"TCP_THIN_DUPACK", (lua_Integer)(TCP_THIN_DUPACK)},
#endif
#ifdef TCP_THIN_LINEAR_TIMEOUTS
    {"TCP_THIN_LINEAR_TIMEOUTS", (lua_Integer)(TCP_THIN_LINEAR_TIMEOUTS)},
#endif
#ifdef TCP_TIMESTAMP
    {"TCP_TIMESTAMP", (lua_Integer)(TCP_TIMESTAMP)},
#endif
#ifdef TCP_TX_DELAY
    {"TCP_TX_DELAY", (lua_Integer)(TCP_TX_DELAY)},
#endif
#ifdef TCP_ULP
    {"TCP_ULP", (lua_Integer)(TCP_ULP)},
#endif
#ifdef TCP_USER_TIMEOUT
    {"TCP_USER_TIMEOUT", (lua_Integer)(TCP_USER_TIMEOUT)},
#endif
#ifdef TCP_WINDOW_CLAMP
    {"TCP_WINDOW_CLAMP", (lua_Integer)(TCP_WINDOW_CLAMP)},
#endif
#ifdef TCP_ZEROCOPY_RECEIVE
    {"TCP_ZEROCOPY_RECEIVE", (lua_Integer)(TCP_ZEROCOPY_RECEIVE)},
#endif
#ifdef TIPC_ADDR_ID
    {"TIPC_ADDR_ID", (lua_Integer)(TIPC_ADDR_ID)},
#endif
#ifdef TIPC_ADDR_NAME
    {"TIPC_ADDR_NAME", (lua_Integer)(TIPC_ADDR_NAME)},
#endif
#ifdef TIPC_ADDR_NAMESEQ
    {"TIPC_ADDR_NAMESEQ", (lua_Integer)(TIPC_ADDR_NAMESEQ)},
#endif
#ifdef TIPC_CFG_SRV
    {"TIPC_CFG_SRV", (lua_Integer)(TIPC_CFG_SRV)},
#endif
#ifdef TIPC_CLUSTER_SCOPE
    {"TIPC_CLUSTER_SCOPE", (lua_Integer)(TIPC_CLUSTER_SCOPE)},
#endif
#ifdef TIPC_CONN_TIMEOUT
    {"TIPC_CONN_TIMEOUT", (lua_Integer)(TIPC_CONN_TIMEOUT)},
#endif
#ifdef TIPC_CRITICAL_IMPORTANCE
    {"TIPC_CRITICAL_IMPORTANCE", (lua_Integer)(TIPC_CRITICAL_IMPORTANCE)},
#endif
#ifdef TIPC_DEST_DROPPABLE
    {"TIPC_DEST_DROPPABLE", (lua_Integer)(TIPC_DEST_DROPPABLE)},
#endif
#ifdef TIPC_HIGH_IMPORTANCE
    {"TIPC_HIGH_IMPORTANCE", (lua_Integer)(TIPC_HIGH_IMPORTANCE)},
#endif
#ifdef TIPC_IMPORTANCE
    {"TIPC_IMPORTANCE", (lua_Integer)(TIPC_IMPORTANCE)},
#endif
#ifdef TIPC_LOW_IMPORTANCE
    {"TIPC_LOW_IMPORTANCE", (lua_Integer)(TIPC_LOW_IMPORTANCE)},
#endif
#ifdef TIPC_MEDIUM_IMPORTANCE
    {"TIPC_MEDIUM_IMPORTANCE", (lua_Integer)(TIPC_MEDIUM_IMPORTANCE)},
#endif
#ifdef TIPC_NODE_SCOPE
    {"TIPC_NODE_SCOPE", (lua_Integer)(TIPC_NODE_SCOPE)},
#endif
#ifdef TIPC_PUBLISHED
    {"TIPC_PUBLISHED", (lua_Integer)(TIPC_PUBLISHED)},
#endif
#ifdef TIPC_SRC_DROPPABLE
    {"TIPC_SRC_DROPPABLE", (lua_Integer)(TIPC_SRC_DROPPABLE)},
#endif
#ifdef TIPC_SUBSCR_TIMEOUT
    {"TIPC_SUBSCR_TIMEOUT", (lua_Integer)(TIPC_SUBSCR_TIMEOUT)},
#endif
#ifdef TIPC_SUB_CANCEL
    {"TIPC_SUB_CANCEL", (lua_Integer)(TIPC_SUB_CANCEL)},
#endif
#ifdef TIPC_SUB_PORTS
    {"TIPC_SUB_PORTS", (lua_Integer)(TIPC_SUB_PORTS)},
#endif
#ifdef TIPC_SUB_SERVICE
    {"TIPC_SUB_SERVICE", (lua_Integer)(TIPC_SUB_SERVICE)},
#endif
#ifdef TIPC_TOP_SRV
    {"TIPC_TOP_SRV", (lua_Integer)(TIPC_TOP_SRV)},
#endif
#ifdef TIPC_WAIT_FOREVER
    {"TIPC_WAIT_FOREVER", (lua_Integer)(TIPC_WAIT_FOREVER)},
#endif
#ifdef TIPC_WITHDRAWN
    {"TIPC_WITHDRAWN", (lua_Integer)(TIPC_WITHDRAWN)},
#endif
#ifdef TIPC_ZONE_SCOPE
    {"TIPC_ZONE_SCOPE", (lua_Integer)(TIPC_ZONE_SCOPE)},
#endif
#ifdef UDPLITE_RECV_CSCOV
    {"UDPLITE_RECV_CSCOV", (lua_Integer)(UDPLITE_RECV_CSCOV)},
#endif
#ifdef UDPLITE_SEND_CSCOV
    {"UDPLITE_SEND_CSCOV", (lua_Integer)(UDPLITE_SEND_CSCOV)},
#endif
#ifdef UDP_CORK
    {"UDP_CORK", (lua_Integer)(UDP_CORK)},
#endif
#ifdef UDP_ENCAP
    {"UDP_ENCAP", (lua_Integer)(UDP_ENCAP)},
#endif
#ifdef UDP_ENCAP_ESPINUDP
    {"UDP_ENCAP_ESPINUDP", (lua_Integer)(UDP_ENCAP_ESPINUDP)},
#endif
#ifdef UDP_ENCAP_ESPINUDP_NON_IKE
    {"UDP_ENCAP_ESPINUDP_NON_IKE", (lua_Integer)(UDP_ENCAP_ESPINUDP_NON_IKE)},
#endif
#ifdef UDP_ENCAP_GTP0
    {"UDP_ENCAP_GTP0", (lua_Integer)(UDP_ENCAP_GTP0)},
#endif
#ifdef UDP_ENCAP_GTP1U
    {"UDP_ENCAP_GTP1U", (lua_Integer)(UDP_ENCAP_GTP1U)},
#endif
#ifdef UDP_ENCAP_L2TPINUDP
    {"UDP_ENCAP_L2TPINUDP", (lua_Integer)(UDP_ENCAP_L2TPINUDP)},
#endif
#ifdef UDP_GRO
    {"UDP_GRO", (lua_Integer)(UDP_GRO)},
#endif
#ifdef UDP_NO_CHECK6_RX
    {"UDP_NO_CHECK6_RX", (lua_Integer)(UDP_NO_CHECK6_RX)},
#endif
#ifdef UDP_NO_CHECK6_TX
    {"UDP_NO_CHECK6_TX", (lua_Integer)(UDP_NO_CHECK6_TX)},
#endif
#ifdef UDP_SEGMENT
    {"UDP_SEGMENT", (lua_Integer)(UDP_SEGMENT)},
#endif
#ifdef VMADDR_CID_ANY
    {"VMADDR_CID_ANY", (lua_Integer)(VMADDR_CID_ANY)},
#endif
#ifdef VMADDR_CID_HOST
    {"VMADDR_CID_HOST", (lua_Integer)(VMADDR_CID_HOST)},
#endif
#ifdef VMADDR_PORT_ANY
    {"VMADDR_PORT_ANY", (lua_Integer)(VMADDR_PORT_ANY)},
#endif
#ifdef VM_SOCKETS_INVALID_VERSION
    {"VM_SOCKETS_INVALID_VERSION", (lua_Integer)(VM_SOCKETS_INVALID_VERSION)},
#endif
    {NULL, 0}};

static const constant_t errno_constants[] = {
#ifdef E2BIG
    {"E2BIG", (lua_Integer)(E2BIG)},
#endif
#ifdef EACCES
    {"EACCES", (lua_Integer)(EACCES)},
#endif
#ifdef EADDRINUSE
    {"EADDRINUSE", (lua_Integer)(EADDRINUSE)},
#endif
#ifdef EADDRNOTAVAIL
    {"EADDRNOTAVAIL", (lua_Integer)(EADDRNOTAVAIL)},
#endif
#ifdef EADV
    {"EADV", (lua_Integer)(EADV)},
#endif
#ifdef EAFNOSUPPORT
    {"EAFNOSUPPORT", (lua_Integer)(EAFNOSUPPORT)},
#endif
#ifdef EAGAIN
    {"EAGAIN", (lua_Integer)(EAGAIN)},
#endif
#ifdef EALREADY
    {"EALREADY", (lua_Integer)(EALREADY)},
#endif
#ifdef EBADE
    {"EBADE", (lua_Integer)(EBADE)},
#endif
#ifdef EBADF
    {"EBADF", (lua_Integer)(EBADF)},
#endif
#ifdef EBADFD
    {"EBADFD", (lua_Integer)(EBADFD)},
#endif
#ifdef EBADMSG
    {"EBADMSG", (lua_Integer)(EBADMSG)},
#endif
#ifdef EBADR
    {"EBADR", (lua_Integer)(EBADR)},
#endif
#ifdef EBADRQC
    {"EBADRQC", (lua_Integer)(EBADRQC)},
#endif
#ifdef EBADSLT
    {"EBADSLT", (lua_Integer)(EBADSLT)},
#endif
#ifdef EBFONT
    {"EBFONT", (lua_Integer)(EBFONT)},
#endif
#ifdef EBUSY
    {"EBUSY", (lua_Integer)(EBUSY)},
#endif
#ifdef ECANCELED
    {"ECANCELED", (lua_Integer)(ECANCELED)},
#endif
#ifdef ECHILD
    {"ECHILD", (lua_Integer)(ECHILD)},
#endif
#ifdef ECHRNG
    {"ECHRNG", (lua_Integer)(ECHRNG)},
#endif
#ifdef ECOMM
    {"ECOMM", (lua_Integer)(ECOMM)},
#endif
#ifdef ECONNABORTED
    {"ECONNABORTED", (lua_Integer)(ECONNABORTED)},
#endif
#ifdef ECONNREFUSED
    {"ECONNREFUSED", (lua_Integer)(ECONNREFUSED)},
#endif
#ifdef ECONNRESET
    {"ECONNRESET", (lua_Integer)(ECONNRESET)},
#endif
#ifdef EDEADLK
    {"EDEADLK", (lua_Integer)(EDEADLK)},
#endif
#ifdef EDEADLOCK
    {"EDEADLOCK", (lua_Integer)(EDEADLOCK)},
#endif
#ifdef EDESTADDRREQ
    {"EDESTADDRREQ", (lua_Integer)(EDESTADDRREQ)},
#endif
#ifdef EDOM
    {"EDOM", (lua_Integer)(EDOM)},
#endif
#ifdef EDOTDOT
    {"EDOTDOT", (lua_Integer)(EDOTDOT)},
#endif
#ifdef EDQUOT
    {"EDQUOT", (lua_Integer)(EDQUOT)},
#endif
#ifdef EEXIST
    {"EEXIST", (lua_Integer)(EEXIST)},
#endif
#ifdef EFAULT
    {"EFAULT", (lua_Integer)(EFAULT)},
#endif
#ifdef EFBIG
    {"EFBIG", (lua_Integer)(EFBIG)},
#endif
#ifdef EHOSTDOWN
    {"EHOSTDOWN", (lua_Integer)(EHOSTDOWN)},
#endif
#ifdef EHOSTUNREACH
    {"EHOSTUNREACH", (lua_Integer)(EHOSTUNREACH)},
#endif
#ifdef EIDRM
    {"EIDRM", (lua_Integer)(EIDRM)},
#endif
#ifdef EILSEQ
    {"EILSEQ", (lua_Integer)(EILSEQ)},
#endif
#ifdef EINPROGRESS
    {"EINPROGRESS", (lua_Integer)(EINPROGRESS)},
#endif
#ifdef EINTR
    {"EINTR", (lua_Integer)(EINTR)},
#endif
#ifdef EINVAL
    {"EINVAL", (lua_Integer)(EINVAL)},
#endif
#ifdef EIO
    {"EIO", (lua_Integer)(EIO)},
#endif
#ifdef EISCONN
    {"EISCONN", (lua_Integer)(EISCONN)},
#endif
#ifdef EISDIR
    {"EISDIR", (lua_Integer)(EISDIR)},
#endif
#ifdef EISNAM
    {"EISNAM", (lua_Integer)(EISNAM)},
#endif
#ifdef EKEYEXPIRED
    {"EKEYEXPIRED", (lua_Integer)(EKEYEXPIRED)},
#endif
#ifdef EKEYREJECTED
    {"EKEYREJECTED", (lua_Integer)(EKEYREJECTED)},
#endif
#ifdef EKEYREVOKED
    {"EKEYREVOKED", (lua_Integer)(EKEYREVOKED)},
#endif
#ifdef EL2HLT
    {"EL2HLT", (lua_Integer)(EL2HLT)},
#endif
#ifdef EL2NSYNC
    {"EL2NSYNC", (lua_Integer)(EL2NSYNC)},
#endif
#ifdef EL3HLT
    {"EL3HLT", (lua_Integer)(EL3HLT)},
#endif
#ifdef EL3RST
    {"EL3RST", (lua_Integer)(EL3RST)},
#endif
#ifdef ELIBACC
    {"ELIBACC", (lua_Integer)(ELIBACC)},
#endif
#ifdef ELIBBAD
    {"ELIBBAD", (lua_Integer)(ELIBBAD)},
#endif
#ifdef ELIBEXEC
    {"ELIBEXEC", (lua_Integer)(ELIBEXEC)},
#endif
#ifdef ELIBMAX
    {"ELIBMAX", (lua_Integer)(ELIBMAX)},
#endif
#ifdef ELIBSCN
    {"ELIBSCN", (lua_Integer)(ELIBSCN)},
#endif
#ifdef ELNRNG
    {"ELNRNG", (lua_Integer)(ELNRNG)},
#endif
#ifdef ELOOP
    {"ELOOP", (lua_Integer)(ELOOP)},
#endif
#ifdef EMEDIUMTYPE
    {"EMEDIUMTYPE", (lua_Integer)(EMEDIUMTYPE)},
#endif
#ifdef EMFILE
    {"EMFILE", (lua_Integer)(EMFILE)},
#endif
#ifdef EMLINK
    {"EMLINK", (lua_Integer)(EMLINK)},
#endif
#ifdef EMSGSIZE
    {"EMSGSIZE", (lua_Integer)(EMSGSIZE)},
#endif
#ifdef EMULTIHOP
    {"EMULTIHOP", (lua_Integer)(EMULTIHOP)},
#endif
#ifdef ENAMETOOLONG
    {"ENAMETOOLONG", (lua_Integer)(ENAMETOOLONG)},
#endif
#ifdef ENAVAIL
    {"ENAVAIL", (lua_Integer)(ENAVAIL)},
#endif
#ifdef ENETDOWN
    {"ENETDOWN", (lua_Integer)(ENETDOWN)},
#endif
#ifdef ENETRESET
    {"ENETRESET", (lua_Integer)(ENETRESET)},
#endif
#ifdef ENETUNREACH
    {"ENETUNREACH", (lua_Integer)(ENETUNREACH)},
#endif
#ifdef ENFILE
    {"ENFILE", (lua_Integer)(ENFILE)},
#endif
#ifdef ENOANO
    {"ENOANO", (lua_Integer)(ENOANO)},
#endif
#ifdef ENOBUFS
    {"ENOBUFS", (lua_Integer)(ENOBUFS)},
#endif
#ifdef ENOCSI
    {"ENOCSI", (lua_Integer)(ENOCSI)},
#endif
#ifdef ENODATA
    {"ENODATA", (lua_Integer)(ENODATA)},
#endif
#ifdef ENODEV
    {"ENODEV", (lua_Integer)(ENODEV)},
#endif
#ifdef ENOENT
    {"ENOENT", (lua_Integer)(ENOENT)},
#endif
#ifdef ENOEXEC
    {"ENOEXEC", (lua_Integer)(ENOEXEC)},
#endif
#ifdef ENOKEY
    {"ENOKEY", (lua_Integer)(ENOKEY)},
#endif
#ifdef ENOLCK
    {"ENOLCK", (lua_Integer)(ENOLCK)},
#endif
#ifdef ENOLINK
    {"ENOLINK", (lua_Integer)(ENOLINK)},
#endif
#ifdef ENOMEDIUM
    {"ENOMEDIUM", (lua_Integer)(ENOMEDIUM)},
#endif
#ifdef ENOMEM
    {"ENOMEM", (lua_Integer)(ENOMEM)},
#endif
#ifdef ENOMSG
    {"ENOMSG", (lua_Integer)(ENOMSG)},
#endif
#ifdef ENONET
    {"ENONET", (lua_Integer)(ENONET)},
#endif
#ifdef ENOPKG
    {"ENOPKG", (lua_Integer)(ENOPKG)},
#endif
#ifdef ENOPROTOOPT
    {"ENOPROTOOPT", (lua_Integer)(ENOPROTOOPT)},
#endif
#ifdef ENOSPC
    {"ENOSPC", (lua_Integer)(ENOSPC)},
#endif
#ifdef ENOSR
    {"ENOSR", (lua_Integer)(ENOSR)},
#endif
#ifdef ENOSTR
    {"ENOSTR", (lua_Integer)(ENOSTR)},
#endif
#ifdef ENOSYS
    {"ENOSYS", (lua_Integer)(ENOSYS)},
#endif
#ifdef ENOTBLK
    {"ENOTBLK", (lua_Integer)(ENOTBLK)},
#endif
#ifdef ENOTCONN
    {"ENOTCONN", (lua_Integer)(ENOTCONN)},
#endif
#ifdef ENOTDIR
    {"ENOTDIR", (lua_Integer)(ENOTDIR)},
#endif
#ifdef ENOTEMPTY
    {"ENOTEMPTY", (lua_Integer)(ENOTEMPTY)},
#endif
#ifdef ENOTNAM
    {"ENOTNAM", (lua_Integer)(ENOTNAM)},
#endif
#ifdef ENOTRECOVERABLE
    {"ENOTRECOVERABLE", (lua_Integer)(ENOTRECOVERABLE)},
#endif
#ifdef ENOTSOCK
    {"ENOTSOCK", (lua_Integer)(ENOTSOCK)},
#endif
#ifdef ENOTSUP
    {"ENOTSUP", (lua_Integer)(ENOTSUP)},
#endif
#ifdef ENOTTY
    {"ENOTTY", (lua_Integer)(ENOTTY)},
#endif
#ifdef ENOTUNIQ
    {"ENOTUNIQ", (lua_Integer)(ENOTUNIQ)},
#endif
#ifdef ENXIO
    {"ENXIO", (lua_Integer)(ENXIO)},
#endif
#ifdef EOPNOTSUPP
    {"EOPNOTSUPP", (lua_Integer)(EOPNOTSUPP)},
#endif
#ifdef EOVERFLOW
    {"EOVERFLOW", (lua_Integer)(EOVERFLOW)},
#endif
#ifdef EOWNERDEAD
    {"EOWNERDEAD", (lua_Integer)(EOWNERDEAD)},
#endif
#ifdef EPERM
    {"EPERM", (lua_Integer)(EPERM)},
#endif
#ifdef EPFNOSUPPORT
    {"EPFNOSUPPORT", (lua_Integer)(EPFNOSUPPORT)},
#endif
#ifdef EPIPE
    {"EPIPE", (lua_Integer)(EPIPE)},
#endif
#ifdef EPROTO
    {"EPROTO", (lua_Integer)(EPROTO)},
#endif
#ifdef EPROTONOSUPPORT
    {"EPROTONOSUPPORT", (lua_Integer)(EPROTONOSUPPORT)},
#endif
#ifdef EPROTOTYPE
    {"EPROTOTYPE", (lua_Integer)(EPROTOTYPE)},
#endif
#ifdef ERANGE
    {"ERANGE", (lua_Integer)(ERANGE)},
#endif
#ifdef EREMCHG
    {"EREMCHG", (lua_Integer)(EREMCHG)},
#endif
#ifdef EREMOTE
    {"EREMOTE", (lua_Integer)(EREMOTE)},
#endif
#ifdef EREMOTEIO
    {"EREMOTEIO", (lua_Integer)(EREMOTEIO)},
#endif
#ifdef ERESTART
    {"ERESTART", (lua_Integer)(ERESTART)},
#endif
#ifdef ERFKILL
    {"ERFKILL", (lua_Integer)(ERFKILL)},
#endif
#ifdef EROFS
    {"EROFS", (lua_Integer)(EROFS)},
#endif
#ifdef ESHUTDOWN
    {"ESHUTDOWN", (lua_Integer)(ESHUTDOWN)},
#endif
#ifdef ESOCKTNOSUPPORT
    {"ESOCKTNOSUPPORT", (lua_Integer)(ESOCKTNOSUPPORT)},
#endif
#ifdef ESPIPE
    {"ESPIPE", (lua_Integer)(ESPIPE)},
#endif
#ifdef ESRCH
    {"ESRCH", (lua_Integer)(ESRCH)},
#endif
#ifdef ESRMNT
    {"ESRMNT", (lua_Integer)(ESRMNT)},
#endif
#ifdef ESTALE
    {"ESTALE", (lua_Integer)(ESTALE)},
#endif
#ifdef ESTRPIPE
    {"ESTRPIPE", (lua_Integer)(ESTRPIPE)},
#endif
#ifdef ETIME
    {"ETIME", (lua_Integer)(ETIME)},
#endif
#ifdef ETIMEDOUT
    {"ETIMEDOUT", (lua_Integer)(ETIMEDOUT)},
#endif
#ifdef ETOOMANYREFS
    {"ETOOMANYREFS", (lua_Integer)(ETOOMANYREFS)},
#endif
#ifdef ETXTBSY
    {"ETXTBSY", (lua_Integer)(ETXTBSY)},
#endif
#ifdef EUCLEAN
    {"EUCLEAN", (lua_Integer)(EUCLEAN)},
#endif
#ifdef EUNATCH
    {"EUNATCH", (lua_Integer)(EUNATCH)},
#endif
#ifdef EUSERS
    {"EUSERS", (lua_Integer)(EUSERS)},
#endif
#ifdef EWOULDBLOCK
    {"EWOULDBLOCK", (lua_Integer)(EWOULDBLOCK)},
#endif
#ifdef EXDEV
    {"EXDEV", (lua_Integer)(EXDEV)},
#endif
#ifdef EXFULL
    {"EXFULL", (lua_Integer)(EXFULL)},
#endif
    {NULL, 0}};

static void setconstants(lua_State *L, const constant_t *c) {
  for (; c->name; c++) {
    lua_pushinteger(L, c->value);
    lua_setfield(L, -2, c->name);
  }
}

/* A packed IPv4/IPv6 address: 4 or 16 bytes by family. */
static int checkfamily(lua_State *L, int i, const char *fname) {
  lua_Integer f = l_checkint(L, i, fname, "family");
  if (f != AF_INET && f != AF_INET6) l_argvalue(L, i, fname, "family", "not AF_INET or AF_INET6");
  return (int)f;
}

/* inet_aton(s) -> 4-byte string [-0, +1, e] */
static int l_sock_inet_aton(lua_State *L) {
  const char *s = l_checkstr(L, 1, "trio.socket.inet_aton", "string", NULL);
  struct in_addr a;
  if (!inet_aton(s, &a))
    return l_raisef(L, "OSError", "illegal IP address string passed to inet_aton");
  lua_pushlstring(L, (const char *)&a, sizeof a);
  return 1;
}

/* inet_ntoa(packed) -> dotted string [-0, +1, e] */
static int l_sock_inet_ntoa(lua_State *L) {
  size_t len;
  const char *p = l_checkstr(L, 1, "trio.socket.inet_ntoa", "packed_ip", &len);
  char buf[INET_ADDRSTRLEN];
  if (len != 4) return l_raisef(L, "OSError", "packed IP wrong length for inet_ntoa");
  lua_pushstring(L, inet_ntop(AF_INET, p, buf, sizeof buf));
  return 1;
}

/* inet_pton(family, s) -> packed string [-0, +1, e] */
static int l_sock_inet_pton(lua_State *L) {
  int f = checkfamily(L, 1, "trio.socket.inet_pton");
  const char *s = l_checkstr(L, 2, "trio.socket.inet_pton", "ip_string", NULL);
  unsigned char buf[16];
  if (inet_pton(f, s, buf) != 1)
    return l_raisef(L, "OSError", "illegal IP address string passed to inet_pton");
  lua_pushlstring(L, (const char *)buf, f == AF_INET ? 4 : 16);
  return 1;
}

/* inet_ntop(family, packed) -> string [-0, +1, e] */
static int l_sock_inet_ntop(lua_State *L) {
  int f = checkfamily(L, 1, "trio.socket.inet_ntop");
  size_t len;
  const char *p = l_checkstr(L, 2, "trio.socket.inet_ntop", "packed_ip", &len);
  char buf[INET6_ADDRSTRLEN];
  if (len != (f == AF_INET ? 4u : 16u))
    return l_argvalue(L, 2, "trio.socket.inet_ntop", "packed_ip", "invalid length of packed IP address string");
  lua_pushstring(L, inet_ntop(f, p, buf, sizeof buf));
  return 1;
}

static lua_Integer checkuint(lua_State *L, const char *fname, lua_Integer max) {
  lua_Integer v = l_checkint(L, 1, fname, "x");
  if (v < 0 || v > max) l_argvalue(L, 1, fname, "x", "out of range");
  return v;
}

static int l_sock_htons(lua_State *L) {
  lua_pushinteger(L, htons((uint16_t)checkuint(L, "trio.socket.htons", 0xffff)));
  return 1;
}
static int l_sock_ntohs(lua_State *L) {
  lua_pushinteger(L, ntohs((uint16_t)checkuint(L, "trio.socket.ntohs", 0xffff)));
  return 1;
}
static int l_sock_htonl(lua_State *L) {
  lua_pushinteger(L, htonl((uint32_t)checkuint(L, "trio.socket.htonl", 0xffffffffLL)));
  return 1;
}
static int l_sock_ntohl(lua_State *L) {
  lua_pushinteger(L, ntohl((uint32_t)checkuint(L, "trio.socket.ntohl", 0xffffffffLL)));
  return 1;
}

static int l_sock_gethostname(lua_State *L) {
  char buf[256];
  if (gethostname(buf, sizeof buf) != 0) return l_raise(L, -errno, "trio.socket.gethostname");
  buf[sizeof buf - 1] = '\0';
  lua_pushstring(L, buf);
  return 1;
}

static int l_sock_if_nametoindex(lua_State *L) {
  const char *name = l_checkstr(L, 1, "trio.socket.if_nametoindex", "name", NULL);
  unsigned i = if_nametoindex(name);
  if (i == 0) return l_raisef(L, "OSError", "no interface with this name");
  lua_pushinteger(L, i);
  return 1;
}

static int l_sock_if_indextoname(lua_State *L) {
  lua_Integer i = l_checkint(L, 1, "trio.socket.if_indextoname", "index");
  char buf[IF_NAMESIZE];
  if (i <= 0 || i > 0xffffffffLL) l_argvalue(L, 1, "trio.socket.if_indextoname", "index", "out of range");
  if (!if_indextoname((unsigned)i, buf)) return l_raise(L, -errno, "trio.socket.if_indextoname");
  lua_pushstring(L, buf);
  return 1;
}

/* if_nameindex() -> { {index, name, index = i, name = s}, ... } [-0, +1, e] */
static int l_sock_if_nameindex(lua_State *L) {
  struct if_nameindex *ni = if_nameindex();
  if (!ni) return l_raise(L, -errno, "trio.socket.if_nameindex");
  lua_newtable(L);
  for (int k = 0; ni[k].if_index != 0; k++) {
    lua_createtable(L, 2, 2);
    lua_pushinteger(L, ni[k].if_index);
    lua_pushvalue(L, -1);
    lua_rawseti(L, -3, 1);
    lua_setfield(L, -2, "index");
    lua_pushstring(L, ni[k].if_name);
    lua_pushvalue(L, -1);
    lua_rawseti(L, -3, 2);
    lua_setfield(L, -2, "name");
    lua_rawseti(L, -2, k + 1);
  }
  if_freenameindex(ni);
  return 1;
}

static int l_sock_cmsg_len(lua_State *L) {
  lua_Integer n = l_checksize(L, 1, "trio.socket.CMSG_LEN", "length");
  lua_pushinteger(L, (lua_Integer)CMSG_LEN((size_t)n));
  return 1;
}

static int l_sock_cmsg_space(lua_State *L) {
  lua_Integer n = l_checksize(L, 1, "trio.socket.CMSG_SPACE", "length");
  lua_pushinteger(L, (lua_Integer)CMSG_SPACE((size_t)n));
  return 1;
}

static const luaL_Reg sockconst_funcs[] = {
    {"inet_aton", l_sock_inet_aton},         {"inet_ntoa", l_sock_inet_ntoa},
    {"inet_pton", l_sock_inet_pton},         {"inet_ntop", l_sock_inet_ntop},
    {"htons", l_sock_htons},                 {"ntohs", l_sock_ntohs},
    {"htonl", l_sock_htonl},                 {"ntohl", l_sock_ntohl},
    {"gethostname", l_sock_gethostname},     {"if_nametoindex", l_sock_if_nametoindex},
    {"if_indextoname", l_sock_if_indextoname}, {"if_nameindex", l_sock_if_nameindex},
    {"CMSG_LEN", l_sock_cmsg_len},           {"CMSG_SPACE", l_sock_cmsg_space},
    {NULL, NULL}};

/* core.constants (names and utilities for trio.socket) and core.errno. [-0, +0, m] */
void l_sockconst_open(lua_State *L) {
  lua_newtable(L);
  setconstants(L, socket_constants);
  luaL_setfuncs(L, sockconst_funcs, 0);
  lua_setfield(L, -2, "constants");
  lua_newtable(L);
  setconstants(L, errno_constants);
  lua_setfield(L, -2, "errno");
}
